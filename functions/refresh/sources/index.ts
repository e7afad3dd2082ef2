import type { CollectionConfig } from "../../../shared/config.js";
import { SourceError } from "../../core/errors.js";
import type { Source } from "../../core/ports.js";
import { LocalFolderSource } from "./local.js";

/** The Source a collection's configuration names. */
export function createSource(collection: CollectionConfig): Source {
  switch (collection.source.type) {
    case "local":
      return new LocalFolderSource(collection.source.path);
    default:
      // GitLab, Sigma and S3 sources arrive with the AWS refresh work; until then they fail the run cleanly.
      throw new SourceError(
        `collection "${collection.name}": the ${collection.source.type} source is not available in this build`,
      );
  }
}
