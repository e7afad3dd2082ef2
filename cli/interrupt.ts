/**
 * Ctrl-C during a refresh: the first stops the run cleanly (the embeddings finished so far are kept in the
 * collection's checkpoint, see functions/refresh/embedding-checkpoint.ts); a second quits at once. A version
 * whose pointer already moved stays published, and the run's summary says so.
 */
export async function interruptible<T>(
  work: (signal: AbortSignal) => Promise<T>,
  say: (line: string) => void = (line) => console.error(line),
): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    say(
      "\nstopping at the next safe point: no version goes live from here on, and the embeddings finished so far are kept (Ctrl-C again to quit now)",
    );
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
