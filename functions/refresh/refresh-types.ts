/** Shapes shared by the refresh pipeline and its stages. */

export type RefreshProgress =
  | { phase: "read"; documents: number }
  | { phase: "embed"; done: number; total: number }
  | { phase: "publish" };

export interface RefreshSummary {
  collection: string;
  /** The live version after the run: the new one, or the previous one when nothing changed. */
  version: string;
  /** False when the corpus was unchanged and no new version was needed. */
  published: boolean;
  model: string | null;
  documentsSeen: number;
  documentsIndexed: number;
  documentsReused: number;
  documentsSkipped: number;
  documentsRemoved: number;
  skipped: { path: string; reason: string }[];
  chunks: number;
  /** Chunks this run embedded. */
  chunksEmbedded: number;
  /** Chunks whose vectors an interrupted earlier run had embedded (taken from its checkpoint). */
  chunksResumed: number;
  prunedVersions: string[];
  /** What went wrong without failing the run (e.g. the run record could not be written). */
  warnings: string[];
  durationMs: number;
}
