import type { ScopedKnowledgeBase } from "../core/knowledge-base.js";

/** Who the server is, as `serverInfo` (2025) and `server/discover` (2026) show it, and its stack for heartbeat. */
export interface ServerInfo {
  name: string;
  version: string;
  title: string;
  description: string;
  /** Where a person learns more (THOTH_WEBSITE_URL); omitted when unset. */
  websiteUrl?: string;
  icons: { src: string; mimeType: string; sizes?: string[] }[];
  stack: string;
}

/** What every tool and resource gets: the knowledge base as the caller's API key may see it, nothing wider. */
export interface ServerDeps {
  kb: ScopedKnowledgeBase;
  info: ServerInfo;
  /** How long a client may keep lists and documents (2026-07-28 `ttlMs`): the server's pointer check interval. */
  cacheTtlMs: number;
}
