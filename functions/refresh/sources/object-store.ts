import { DEFAULT_MAX_DOCUMENT_BYTES, skippedAsTooLarge } from "../../core/normalize.js";
import type { ObjectStore, Source, SourceDocument, UnchangedDocument } from "../../core/ports.js";
import type { SourceType } from "../../../shared/types.js";

/** Every object under a prefix of an ObjectStore (an S3 bucket in AWS); paths are relative to the prefix. */
export class ObjectStoreSource implements Source {
  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
    readonly origin: string,
    readonly type: SourceType = "s3",
    private readonly maxBytes = DEFAULT_MAX_DOCUMENT_BYTES,
  ) {}

  /**
   * Decides from the listing (size, ETag) before downloading: an object over the size limit is skipped, and one
   * whose ETag matches the previous run's revision is reported unchanged, without fetching either.
   */
  async *documents(known?: ReadonlyMap<string, string>): AsyncIterable<SourceDocument | UnchangedDocument> {
    for (const listed of await this.store.listObjects(this.prefix)) {
      if (listed.key.endsWith("/")) continue;
      const path = listed.key.slice(this.prefix.length);
      if (listed.size > this.maxBytes) {
        yield skippedAsTooLarge(path, listed.size, this.maxBytes);
        continue;
      }
      if (listed.etag && known?.get(path) === listed.etag) {
        yield { path, unchanged: true };
        continue;
      }
      const object = await this.store.read(listed.key);
      if (!object) continue; // deleted since the listing
      yield { path, bytes: object.body, revision: object.etag };
    }
  }

  async cursor(): Promise<string | undefined> {
    return undefined;
  }
}
