/** Texts about errors: masked for logs, path-free for callers. */

export function truncate(value: string, max = 120): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** An error's message for heartbeat and logs, with AWS resource names (ARNs) masked. */
export function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/arn:aws[a-z-]*:[^\s"',;)]*/g, "<arn>");
}

/**
 * Text for callers, without the server's file system paths (a model directory, a data dir, a `scandir` error):
 * absolute paths become `<path>`. URLs and document paths (relative) are kept. The full text goes to the log.
 */
export function pathFree(text: string): string {
  return (
    text
      // A quoted path is masked whole, spaces and all (`scandir '/tmp/my folder/store'`).
      .replace(/(['"`])(?:[A-Za-z]:[\\/]|\\\\|\/)[^'"`\n]*\1/g, "$1<path>$1")
      // Unquoted: POSIX paths, Windows drive paths and UNC paths, to the next space or delimiter.
      .replace(/(?<![\w:/.~<>-])(?:[A-Za-z]:)?\/[^\s"'`,;:)\]]+/g, "<path>")
      .replace(/(?<![\w])[A-Za-z]:\\[^\s"'`,;)\]]*/g, "<path>")
      .replace(/(?<![\w\\])\\\\[^\s"'`,;)\]]+/g, "<path>")
  );
}

/** What a caller is told when it can see no collection: a key's allowlist may name none that is indexed. */
export function nothingIndexed(scope: ReadonlySet<string> | undefined): string {
  return scope
    ? `none of the collections this API key may read (${[...scope].join(", ")}) is indexed on this server`
    : "no collection has been indexed yet";
}
