import type { SearchHit } from "./contracts.js";

/** "Title › Section › Subsection (path or url)"; a top heading equal to the title is not repeated. */
export function citation(hit: Pick<SearchHit, "title" | "heading" | "path" | "url">): string {
  const sections = hit.heading.split(" › ").filter(Boolean);
  if (sections[0] === hit.title) sections.shift();
  return `${[hit.title, ...sections].join(" › ")} (${hit.url ?? hit.path})`;
}
