import { hnswCodec } from "../../functions/adapters/ml/hnsw-vector-index.js";
import { bm25Codec } from "../../functions/adapters/keyword/codec.js";
import { minisearchCodec } from "../../functions/adapters/keyword/minisearch-codec.js";
import { KnowledgeBase } from "../../functions/core/knowledge-base.js";
import type { Embedder, ObjectStore } from "../../functions/core/ports.js";
import { refreshCollection } from "../../functions/refresh/pipeline.js";
import { LocalFolderSource } from "../../functions/refresh/sources/local.js";
import { exactVectorCodec } from "./exact-vectors.js";
import { MemoryObjectStore } from "./memory-object-store.js";

/** The codecs deployments use (hnswlib-node is native): for integration tests. */
export const codecs = {
  vectorCodec: hnswCodec(),
  keywordCodec: bm25Codec(),
  legacyKeywordCodec: minisearchCodec,
};
/** Unit tests: the same keyword codecs, and exact vectors in plain TypeScript instead of the native addon. */
export const unitCodecs = { ...codecs, vectorCodec: exactVectorCodec };

/** Indexes folders (collection → folder) into a store and opens a KnowledgeBase over it. */
export async function knowledgeBaseFrom(
  folders: Record<string, string>,
  embedder: Embedder | null,
  store: ObjectStore = new MemoryObjectStore(),
  codecSet: typeof codecs = codecs,
): Promise<{ kb: KnowledgeBase; store: ObjectStore }> {
  for (const [collection, folder] of Object.entries(folders)) {
    await refreshCollection(
      { store, embedder, ...codecSet },
      { collection, source: new LocalFolderSource(folder) },
    );
  }
  const kb = await KnowledgeBase.open({
    store,
    embedder,
    ...codecSet,
    embedderUnavailableReason: "no model in this test",
  });
  return { kb, store };
}
