// A counting semaphore: at most `limit` requests to an index at once, however many projects the
// follower works on. Shared between clients to bound the total.

/** Hands out permits; `acquire` resolves with the function that gives the permit back. */
export interface Semaphore {
  acquire(): Promise<() => void>;
}

/**
 * A semaphore with `limit` permits (an integer >= 1), granted in request order. Releasing a
 * permit twice is harmless (the second call does nothing).
 */
export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`semaphore limit must be an integer >= 1, got ${limit}`);
  let free = limit;
  const waiting: Array<() => void> = [];
  const permit = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      if (next) next();
      else free++;
    };
  };
  return {
    acquire() {
      if (free > 0) {
        free--;
        return Promise.resolve(permit());
      }
      return new Promise((resolve) => waiting.push(() => resolve(permit())));
    },
  };
}
