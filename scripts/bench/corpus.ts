/**
 * A deterministic synthetic corpus for benchmarks: `chunks` sections spread over documents of five sections
 * each, written from the tiny model's topic vocabulary so that semantic search has something to find.
 */
import { mulberry32 } from "../tiny-model.js";
import { TOPIC_GROUPS } from "../tiny-model-words.js";
import type { Source, SourceDocument } from "../../functions/core/ports.js";

const FILLER = "the team should review this before the next week and update the plan with the owner".split(
  " ",
);
export const SECTIONS_PER_DOCUMENT = 5;

export interface SyntheticDocument {
  path: string;
  text: string;
}

export function generateCorpus(chunks: number, seed = 42): SyntheticDocument[] {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const sentence = (topic: string[]) =>
    Array.from({ length: 12 }, () => (rand() < 0.45 ? pick(topic) : pick(FILLER))).join(" ") + ".";
  const docs: SyntheticDocument[] = [];
  for (let d = 0; d * SECTIONS_PER_DOCUMENT < chunks; d++) {
    const topic = pick(TOPIC_GROUPS);
    const sections = Math.min(SECTIONS_PER_DOCUMENT, chunks - d * SECTIONS_PER_DOCUMENT);
    const body = Array.from({ length: sections }, (_, s) => {
      const sub = pick(TOPIC_GROUPS);
      return `## ${pick(sub)} ${s + 1}\n\n${sentence(topic)} ${sentence(sub)} ${sentence(topic)}`;
    });
    docs.push({
      path: `${topic[0]}/doc-${String(d).padStart(6, "0")}.md`,
      text: `# ${pick(topic)} guide ${d}\n\n${body.join("\n\n")}`,
    });
  }
  return docs;
}

/** Queries drawn from the same vocabulary (a different seed from the corpus). */
export function generateQueries(count: number, seed = 7): string[] {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  return Array.from({ length: count }, () => {
    const topic = pick(TOPIC_GROUPS);
    return `how do we handle ${pick(topic)} and ${pick(topic)} for ${pick(pick(TOPIC_GROUPS))}`;
  });
}

export function corpusSource(docs: SyntheticDocument[]): Source {
  return {
    type: "local",
    origin: `synthetic:${docs.length}`,
    async *documents(): AsyncIterable<SourceDocument> {
      for (const d of docs) yield { path: d.path, bytes: new TextEncoder().encode(d.text) };
    },
    async cursor() {
      return undefined;
    },
  };
}
