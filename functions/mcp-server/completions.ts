/**
 * Completions (`completion/complete`) for prompt arguments and the resource template: the collection names and
 * document ids or paths the caller's key may read, and nothing else.
 */
import type { ScopedKnowledgeBase } from "../core/knowledge-base.js";

/** Completions return at most this many values (the spec's limit is 100). */
const MAX_COMPLETIONS = 50;

/** The collection names this caller may read that start with `prefix`. */
export function completeCollection(kb: ScopedKnowledgeBase, prefix: string): string[] {
  return kb
    .collectionNames()
    .filter((name) => name.startsWith(prefix))
    .slice(0, MAX_COMPLETIONS);
}

/** Document ids (and, with `paths`, paths) of the caller's collections (or one of them) starting with `prefix`. */
export function completeDocument(
  kb: ScopedKnowledgeBase,
  prefix: string,
  collection?: string,
  paths = false,
): string[] {
  const names = collection && kb.collectionNames().includes(collection) ? [collection] : kb.collectionNames();
  const out: string[] = [];
  for (const name of names) {
    for (const d of kb.collection(name).documents) {
      if (d.id.startsWith(prefix)) out.push(d.id);
      else if (paths && d.path.startsWith(prefix)) out.push(d.path);
      if (out.length >= MAX_COMPLETIONS) return out;
    }
  }
  return out;
}
