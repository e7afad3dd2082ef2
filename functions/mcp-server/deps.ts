import type { ScopedKnowledgeBase } from "../core/knowledge-base.js";

export interface ServerInfo {
  name: string;
  version: string;
  stack: string;
}

/** What every tool and resource gets: the knowledge base as the caller's API key may see it, nothing wider. */
export interface ServerDeps {
  kb: ScopedKnowledgeBase;
  info: ServerInfo;
}
