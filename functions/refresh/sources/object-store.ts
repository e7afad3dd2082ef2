import type { ObjectStore, Source, SourceDocument } from "../../core/ports.js";
import type { SourceType } from "../../../shared/types.js";

/** Every object under a prefix of an ObjectStore (an S3 bucket in AWS); paths are relative to the prefix. */
export class ObjectStoreSource implements Source {
  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
    readonly origin: string,
    readonly type: SourceType = "s3",
  ) {}

  async *documents(): AsyncIterable<SourceDocument> {
    for (const key of await this.store.list(this.prefix)) {
      if (key.endsWith("/")) continue;
      const object = await this.store.read(key);
      if (!object) continue; // deleted since the listing
      yield { path: key.slice(this.prefix.length), bytes: object.body, revision: object.etag };
    }
  }

  async cursor(): Promise<string | undefined> {
    return undefined;
  }
}
