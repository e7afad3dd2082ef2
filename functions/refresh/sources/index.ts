import type { CollectionConfig } from "../../../shared/config.js";
import type { ObjectStore, SecretSource, Source } from "../../core/ports.js";
import { GitLabSource } from "./gitlab.js";
import { LocalFolderSource } from "./local.js";
import { ObjectStoreSource } from "./object-store.js";
import { SigmaSource, parseSigmaCredentials } from "./sigma.js";
import { withUrlTemplate } from "./url-template.js";

export interface SourceDeps {
  secrets: SecretSource;
  /** An ObjectStore over another bucket, for `s3` sources. */
  bucket: (name: string) => Promise<ObjectStore>;
  /** The stack's own bucket (locally: the data dir's store), for `s3` sources that name no bucket. */
  ownBucket: () => Promise<ObjectStore>;
}

/** The Source a collection's configuration names, with its credentials read from the SecretSource. */
export async function createSource(collection: CollectionConfig, deps: SourceDeps): Promise<Source> {
  const source = await sourceFor(collection, deps);
  const template = "urlTemplate" in collection.source ? collection.source.urlTemplate : undefined;
  return template ? withUrlTemplate(source, template) : source;
}

async function sourceFor(collection: CollectionConfig, deps: SourceDeps): Promise<Source> {
  const source = collection.source;
  switch (source.type) {
    case "local":
      return new LocalFolderSource(source.path);
    case "gitlab": {
      const token = await deps.secrets.getSecret("gitlab-token");
      return new GitLabSource({ ...source, ...(token ? { token: token.trim() } : {}) });
    }
    case "sigma":
      return new SigmaSource({
        baseUrl: source.baseUrl,
        credentials: parseSigmaCredentials(await deps.secrets.getSecret("sigma-credentials")),
      });
    case "s3":
      return source.bucket
        ? new ObjectStoreSource(
            await deps.bucket(source.bucket),
            source.prefix,
            `s3://${source.bucket}/${source.prefix}`,
          )
        : new ObjectStoreSource(
            await deps.ownBucket(),
            source.prefix,
            `the stack's bucket, ${source.prefix}`,
          );
  }
}
