/** Who the server says it is: `serverInfo` on initialize (2025) and on `server/discover` (2026-07-28). */
import type { RuntimeEnv } from "../../shared/config.js";
import { PROJECT } from "../../shared/names.js";
import type { ServerInfo } from "./deps.js";

export const SERVER_VERSION = "0.1.0";

/** Thoth's mark, an ibis-blue theta, inline so that no client has to fetch it from anywhere. */
const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#1f4e79"/>' +
  '<ellipse cx="32" cy="32" rx="17" ry="22" fill="none" stroke="#fff" stroke-width="6"/>' +
  '<rect x="17" y="29" width="30" height="6" rx="3" fill="#fff"/></svg>';
export const ICON = {
  src: `data:image/svg+xml;base64,${Buffer.from(ICON_SVG).toString("base64")}`,
  mimeType: "image/svg+xml",
  sizes: ["any"],
};

export function serverInfo(env: Pick<RuntimeEnv, "THOTH_STACK" | "THOTH_WEBSITE_URL">): ServerInfo {
  return {
    name: PROJECT,
    version: SERVER_VERSION,
    title: `Thoth knowledge base (${env.THOTH_STACK})`,
    description:
      "Search and read an indexed knowledge base: hybrid search with citations, whole documents, listings and freshness.",
    ...(env.THOTH_WEBSITE_URL ? { websiteUrl: env.THOTH_WEBSITE_URL } : {}),
    icons: [ICON],
    stack: env.THOTH_STACK,
  };
}
