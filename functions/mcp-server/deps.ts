import type { KnowledgeBase, Scope } from "../core/knowledge-base.js";

export interface ServerInfo {
  name: string;
  version: string;
  stack: string;
}

/** What every tool and resource gets. */
export interface ServerDeps {
  kb: KnowledgeBase;
  info: ServerInfo;
  /** The collections the caller's API key may see (undefined: all); every tool and resource applies it. */
  scope?: Scope;
}
