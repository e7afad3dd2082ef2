import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { SEARCH_MODES } from "../../../shared/types.js";
import { isTestModel, testModelNotice } from "../../../shared/names.js";

const INPUT = {};

const OUTPUT = {
  status: z.enum(["ok", "degraded"]),
  server: z.object({ name: z.string(), version: z.string() }),
  stack: z.string(),
  time: z.string(),
  embeddingModel: z.string().nullable(),
  searchModes: z.array(z.enum(SEARCH_MODES)),
  /** What a search without `mode` uses: hybrid, or keyword with a test model or no vectors. */
  defaultSearchMode: z.enum(SEARCH_MODES),
  collections: z.array(
    z.object({
      name: z.string(),
      version: z.string(),
      builtAt: z.string(),
      ageSeconds: z.number().int(),
    }),
  ),
  degraded: z.array(z.string()),
  /** Facts a caller should know that are not faults (a test model). */
  notes: z.array(z.string()),
};

/** `heartbeat`: liveness plus what a caller needs to trust the answers: versions, freshness, degraded modes. */
export const heartbeatTool = defineTool({
  name: "heartbeat",
  title: "Heartbeat",
  description:
    "Check that the server is up; reports its version, stack, index freshness and any degraded mode.",
  input: INPUT,
  output: OUTPUT,
  run(_args, { kb, info }) {
    const now = new Date();
    const degraded = kb.degradations();
    const collections = kb.listCollections().map((c) => ({
      name: c.name,
      version: c.version,
      builtAt: c.builtAt,
      ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(c.builtAt)) / 1000)),
    }));
    const semantic = kb.listCollections().some((c) => c.modes.includes("semantic"));
    const model = kb.embedder?.modelId ?? null;
    const testModel = isTestModel(model);
    const structured = {
      status: degraded.length ? ("degraded" as const) : ("ok" as const),
      server: { name: info.name, version: info.version },
      stack: info.stack,
      time: now.toISOString(),
      embeddingModel: model,
      searchModes: semantic ? [...SEARCH_MODES] : (["keyword"] as "keyword"[]),
      defaultSearchMode: semantic && !testModel ? ("hybrid" as const) : ("keyword" as const),
      collections,
      degraded,
      notes: testModel ? [testModelNotice(model!)] : [],
    };
    const text = [
      `${info.name} ${info.version} on stack ${info.stack}: ${structured.status}`,
      `search modes: ${structured.searchModes.join(", ")}; model: ${structured.embeddingModel ?? "none"}`,
      ...collections.map((c) => `- ${c.name} version ${c.version}, built ${c.ageSeconds}s ago`),
      ...degraded.map((d) => `degraded: ${d}`),
      ...structured.notes.map((n) => `note: ${n}`),
    ].join("\n");
    return { structured, text };
  },
});
