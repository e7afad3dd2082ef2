import { loadVersion, readPointer, bundleKeys, sha256 } from "../functions/core/bundle.js";
import { versionStates } from "../functions/core/bundle-versions.js";
import type { ObjectStore } from "../functions/core/ports.js";

export interface VersionRow {
  version: string;
  live: boolean;
  builtAt?: string;
  documents?: number;
  chunks?: number;
  model?: string | null;
  /** Why the version cannot be read, when it cannot. */
  problem?: string;
}

/** Every kept version of a collection that was once live (rollback targets), oldest first, the live one marked. */
export async function listCollectionVersions(store: ObjectStore, collection: string): Promise<VersionRow[]> {
  const live = (await readPointer(store, collection))?.version;
  const versions = (await versionStates(store, collection)).filter((s) => s.onceLive).map((s) => s.version);
  if (!versions.length) throw new Error(`collection "${collection}" has no versions in this store`);
  return Promise.all(
    versions.map(async (version) => {
      const manifestBytes = await store.get(bundleKeys.manifest(collection, version));
      try {
        const { manifest } = await loadVersion(store, collection, {
          formatVersion: 1,
          version,
          manifestSha256: sha256(manifestBytes ?? new Uint8Array()),
          publishedAt: "",
        });
        return {
          version,
          live: version === live,
          builtAt: manifest.builtAt,
          documents: manifest.counts.documents,
          chunks: manifest.counts.chunks,
          model: manifest.model?.id ?? null,
        };
      } catch (error) {
        return {
          version,
          live: version === live,
          problem: error instanceof Error ? error.message : String(error),
        };
      }
    }),
  );
}

export function describeVersions(rows: VersionRow[]): string {
  return rows
    .map((r) =>
      r.problem
        ? `  ${r.version}  unreadable: ${r.problem}`
        : `${r.live ? "* " : "  "}${r.version}  built ${r.builtAt}  ${r.documents} documents, ${r.chunks} chunks, ${r.model ?? "keyword only"}`,
    )
    .join("\n");
}
