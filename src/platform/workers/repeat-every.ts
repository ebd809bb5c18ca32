/**
 * Runs `work` every `everyMs` until stopped, one run at a time: the next starts `everyMs` after the last
 * ended, however long it took. A failed run is reported to `onError` and the next one comes as usual.
 * The returned stop waits for a run under way to end.
 */
export function repeatEvery(
  everyMs: number,
  work: () => Promise<unknown>,
  onError: (error: unknown) => void,
): () => Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    current = work()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, everyMs);
      });
  };
  timer = setTimeout(tick, everyMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current;
  };
}
