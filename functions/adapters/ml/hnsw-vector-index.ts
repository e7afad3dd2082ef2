import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type hnswlib from "hnswlib-node";
import { NativeModuleUnavailableError } from "../../core/errors.js";
import type { ScoredLabel, VectorIndex, VectorIndexCodec } from "../../core/ports.js";
import { layerRequire } from "../../lib/layer-modules.js";

type Hnsw = InstanceType<typeof hnswlib.HierarchicalNSW>;
let loaded: typeof hnswlib | undefined;

/**
 * hnswlib-node, loaded on first use rather than at import: a native addon that cannot load on this machine
 * (built for another architecture or a newer glibc) then costs the semantic mode, not the whole process.
 */
function hnsw(): typeof hnswlib {
  if (!loaded) {
    try {
      loaded = layerRequire("hnswlib-node") as typeof hnswlib;
    } catch (cause) {
      throw new NativeModuleUnavailableError(
        `hnswlib-node cannot be loaded (${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)})`,
        { cause },
      );
    }
  }
  return loaded;
}

export interface HnswParams {
  /** Graph degree: more links, better recall, larger index. */
  M: number;
  efConstruction: number;
  /** Search breadth at query time; raised to k when k is larger. */
  efSearch: number;
}

export const DEFAULT_HNSW_PARAMS: HnswParams = { M: 16, efConstruction: 200, efSearch: 64 };
const SEED = 100;

class HnswVectorIndex implements VectorIndex {
  constructor(
    private readonly index: Hnsw,
    private readonly efSearch: number,
  ) {}

  get size(): number {
    return this.index.getCurrentCount();
  }

  search(query: Float32Array, k: number, filter?: (label: number) => boolean): ScoredLabel[] {
    const n = Math.min(k, this.size);
    if (n === 0) return [];
    this.index.setEf(Math.max(this.efSearch, n));
    const { neighbors, distances } = this.index.searchKnn(Array.from(query), n, filter);
    // hnswlib's cosine space returns 1 - cosine similarity.
    return neighbors.map((label, i) => ({ label, score: 1 - distances[i]! }));
  }

  vector(label: number): Float32Array {
    return Float32Array.from(this.index.getPoint(label));
  }

  async serialize(): Promise<Uint8Array> {
    // hnswlib-node reads and writes files only.
    return withTempFile(async (file) => {
      this.index.writeIndexSync(file);
      return new Uint8Array(await readFile(file));
    });
  }
}

async function withTempFile<T>(fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "thoth-hnsw-"));
  try {
    return await fn(join(dir, "index.bin"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** hnswlib-node indexes in cosine space; labels are chunk positions. */
export function hnswCodec(params: HnswParams = DEFAULT_HNSW_PARAMS): VectorIndexCodec {
  return {
    params: { ...params },
    async build(vectors, dimensions) {
      const index = new (hnsw().HierarchicalNSW)("cosine", dimensions);
      index.initIndex({
        maxElements: Math.max(1, vectors.length),
        m: params.M,
        efConstruction: params.efConstruction,
        randomSeed: SEED,
      });
      vectors.forEach((v, label) => {
        if (v.length !== dimensions)
          throw new RangeError(`vector ${label} has ${v.length} dimensions, expected ${dimensions}`);
        index.addPoint(Array.from(v), label);
      });
      return new HnswVectorIndex(index, params.efSearch);
    },
    check() {
      hnsw();
    },
    async load(source, dimensions) {
      // hnswlib-node reads files only: bytes go through a temporary file; a file is read where it is.
      // readIndex runs on libuv's pool, so requests keep being answered while a large index loads.
      const read = async (file: string) => {
        const index = new (hnsw().HierarchicalNSW)("cosine", dimensions);
        await index.readIndex(file);
        return new HnswVectorIndex(index, params.efSearch);
      };
      if (!(source instanceof Uint8Array)) return read(source.file);
      return withTempFile(async (file) => {
        await writeFile(file, source);
        return read(file);
      });
    },
  };
}
