/** Named errors; each keeps what caused it as `cause`. Messages never carry secrets. */

export class ThothError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bundle file is missing, fails its checksum, or does not parse. */
export class BundleIntegrityError extends ThothError {}

/** A bundle was built with another embedding model than the one this process embeds queries with. */
export class ModelMismatchError extends ThothError {}

/** The embedding model could not be loaded (missing files, unreadable ONNX graph). */
export class ModelUnavailableError extends ThothError {}

/** A native module (hnswlib-node, onnxruntime-node) cannot be loaded on this machine; search degrades. */
export class NativeModuleUnavailableError extends ThothError {}

/** A request names something that does not exist (collection, document). */
export class NotFoundError extends ThothError {}

/** A request is well-formed but cannot be served as asked (e.g. semantic search without a model). */
export class InvalidRequestError extends ThothError {}

/** A source could not be read. */
export class SourceError extends ThothError {}

/** Another writer moved a collection's pointer first; this write was not applied. */
export class ConcurrentPublishError extends ThothError {}

/** Something the request depends on (a secret store, a table) cannot be reached right now; retrying may help. */
export class DependencyUnavailableError extends ThothError {}
