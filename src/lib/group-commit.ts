/**
 * Group commit: callers submit one item each and wait for its result; the
 * items that arrive while a flush is running are flushed together by the
 * next one (up to `maxBatch`), so many concurrent writers share one
 * statement and one commit. There is no timer: an item arriving when
 * nothing is in flight is flushed at once, so a lone request waits for
 * nothing. A failed batch of several is tried again item by item, so one
 * bad item fails only its own caller.
 */
export function groupCommit<I, O>(
  flush: (items: I[]) => Promise<O[]>,
  opts: { maxBatch: number; maxInFlight: number },
): (item: I) => Promise<O> {
  type TWaiting = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  const waiting: TWaiting[] = [];
  let inFlight = 0;

  const settle = async (batch: TWaiting[]) => {
    try {
      const out = await flush(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        w.resolve(out[i] as O);
      });
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      for (const w of batch) await settle([w]);
    }
  };

  const pump = () => {
    while (inFlight < opts.maxInFlight && waiting.length) {
      const batch = waiting.splice(0, opts.maxBatch);
      inFlight++;
      void settle(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      pump();
    });
}
