/**
 * The live version a refresh starts from: its documents, chunks and (same model) vectors for reuse, and the
 * pointer's entity tag the new version's compare-and-swap expects.
 */
import { bundleKeys, readPointerTagged, type Manifest, type StoredDocument } from "../core/bundle.js";
import type { ChunkTable } from "../core/bundle-files.js";
import type { IndexCodecs, ModelLoad, ObjectStore, VectorIndex } from "../core/ports.js";
import { openVersion } from "../core/version-reader.js";

export interface PreviousVersion {
  manifest: Manifest;
  docsByPath: Map<string, StoredDocument>;
  chunks: ChunkTable;
  documentText(document: StoredDocument): string;
  /** Present when its vectors can be reused: same model, same dimensions. */
  vectors?: VectorIndex;
  /**
   * Chunks can be reused only when they were cut with the same budget and counted with the same tokenizer (the
   * model's, or the estimate when there was none), so the same inputs give the same chunks whichever runs
   * built the collection.
   */
  sameChunking: boolean;
}

export async function loadPrevious(
  options: { store: ObjectStore; collection: string } & Pick<ModelLoad, "embedder"> &
    Pick<IndexCodecs, "vectorCodec">,
  chunking: { maxTokens: number; overlapTokens: number },
): Promise<{ etag: string | null; previous?: PreviousVersion }> {
  const tagged = await readPointerTagged(options.store, options.collection).catch(() => undefined);
  if (!tagged)
    return {
      etag: (await options.store.read(bundleKeys.pointer(options.collection)))?.etag ?? null,
    };
  try {
    // Vectors come back only when they were embedded with this run's model (and hnswlib loads here).
    const { manifest, documents, chunks, documentText, vectors } = await openVersion(
      options.store,
      options.collection,
      tagged.pointer,
      { embedder: options.embedder, vectorCodec: options.vectorCodec },
    );
    return {
      etag: tagged.etag,
      previous: {
        manifest,
        docsByPath: new Map(documents.map((d) => [d.path, d])),
        chunks,
        documentText,
        ...(vectors ? { vectors } : {}),
        sameChunking:
          manifest.chunking.maxTokens === chunking.maxTokens &&
          manifest.chunking.overlapTokens === chunking.overlapTokens &&
          (manifest.model?.id ?? null) === (options.embedder?.modelId ?? null),
      },
    };
  } catch {
    // A corrupt live version cannot be reused; this run rebuilds everything (and still publishes with CAS).
    return { etag: tagged.etag };
  }
}
