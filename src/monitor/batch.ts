// Coalescing small writes into one store transaction: calls made while a transaction runs are
// queued and committed together by the next one, so many projects finishing at once cost one
// commit (one fsync), not one each. Each caller's promise settles when its items committed.

/**
 * Wraps `run` (which commits a list of items in one transaction and returns one result per item)
 * so concurrent calls share transactions. Calls are committed in call order; if a transaction
 * fails, every caller whose items were in it gets the error. With `lingerMs`, an idle coalescer
 * waits that long after the first call before committing, so calls arriving just after it share
 * the transaction too (a commit that is much faster than the callers would otherwise take them
 * one at a time). With `nextTurn`, every transaction waits for the current turn of the event loop
 * to end first, so the calls made by all the I/O callbacks of that turn share it (for reads, which
 * finish too fast for callers to pile up behind them).
 */
export function coalesce<T, R>(run: (items: T[]) => Promise<R[]>, opts: { lingerMs?: number; nextTurn?: boolean } = {}): (items: T[]) => Promise<R[]> {
  interface Waiting {
    items: T[];
    resolve: (r: R[]) => void;
    reject: (e: unknown) => void;
  }
  let queue: Waiting[] = [];
  let busy = false;

  async function pump(): Promise<void> {
    busy = true;
    if (opts.lingerMs) await new Promise((r) => setTimeout(r, opts.lingerMs));
    for (;;) {
      if (opts.nextTurn) await new Promise((r) => setImmediate(r));
      if (queue.length === 0) break;
      const batch = queue;
      queue = [];
      const all = batch.flatMap((w) => w.items);
      try {
        const results = await run(all);
        let at = 0;
        for (const w of batch) {
          w.resolve(results.slice(at, at + w.items.length));
          at += w.items.length;
        }
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    busy = false;
  }

  return (items) => {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      queue.push({ items, resolve, reject });
      if (!busy) void pump();
    });
  };
}
