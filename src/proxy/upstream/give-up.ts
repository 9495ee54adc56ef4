// The router's way to give a try up (route timeout, client gone) while it is still waiting.

/** Calls `cancel` if the router gives the try up before it settles; returns the cleanup. */
export function onGivenUp(signal: AbortSignal | undefined, cancel: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    queueMicrotask(cancel);
    return () => {};
  }
  signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}
