// A bounded two-stage pipeline: several producers working at once (polling projects: HTTP, parsing,
// reads of the log) feed ONE committer that takes everything produced so far as one batch (one
// transaction per step for many projects: group commit). Producers never wait for a commit unless
// too much is waiting, so the index, not the commit, sets the pace; a commit never sees more than
// a bounded amount, so memory stays bounded however large the backfill.

/** How to run a pipeline. Items are taken in order: produce(items[i], i) starts before produce(items[i + 1], i + 1). */
export interface PipelineOptions<T, R> {
  /** The inputs, taken in order. */
  items: readonly T[];
  /** Producers running at once (an integer >= 1). */
  workers: number;
  /** Turns items[index] into a result. A throw ends the pipeline (see runPipeline). */
  produce(item: T, index: number): Promise<R>;
  /** Commits a batch of results (in the order they were produced); one batch at a time. */
  commit(batch: R[]): Promise<void>;
  /** Size of a result for the bounds below (default 1). */
  weight?(r: R): number;
  /**
   * Producers do not take a new item while this much weight waits for the committer. At most
   * this much waits, plus one result per worker, plus the batch being committed.
   */
  maxPending: number;
  /**
   * A batch lighter than this waits up to `lingerMs` for more while producers may still add to it,
   * so a fast stream of results makes few large commits instead of many small ones. A batch that
   * nothing more can join is committed at once.
   */
  minBatch?: number;
  lingerMs?: number;
  /**
   * Called before each item is taken (a backoff); what it returns is awaited (undefined: nothing to
   * wait for, no turn of the event loop) and must settle soon after `signal` aborts.
   */
  beforeEach?(): Promise<void> | undefined;
  /** Aborting stops taking items; what was produced is still committed. */
  signal?: AbortSignal;
}

/**
 * Runs the pipeline and resolves with the number of items taken (every one of them produced and
 * committed) once the items ran out or `signal` aborted. If `produce` throws, no new item is taken,
 * the results already produced are committed, and the promise rejects with that error. If `commit`
 * throws, nothing more is committed and the promise rejects with that error once the producers in
 * flight have settled. Never resolves or rejects while a producer or the committer is still running.
 */
export async function runPipeline<T, R>(o: PipelineOptions<T, R>): Promise<number> {
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new RangeError(`pipeline workers must be an integer >= 1, got ${o.workers}`);
  const weight = o.weight ?? (() => 1);
  // A batch as heavy as maxPending cannot grow: producers wait for it.
  const minBatch = Math.min(o.minBatch ?? 0, o.maxPending);
  const lingerMs = o.lingerMs ?? 0;
  let next = 0;
  let active = 0;
  let pending: R[] = [];
  let pendingWeight = 0;
  let failure: { e: unknown } | undefined;
  let commitFailed = false;

  // Two condition variables; waiters re-check their condition when woken. Producers held back by
  // maxPending wait for room, which only the committer's taking a batch (or the end) makes: waking
  // them for every result would wake every producer for every project.
  const progress = condition(); // the committer: results, producers done, linger over
  const room = condition(); // producers: the pending batch was taken
  const notifyAll = () => {
    progress.notify();
    room.notify();
  };
  const stopped = () => failure !== undefined || o.signal?.aborted === true;
  const producing = () => active > 0 || (!stopped() && next < o.items.length);
  const fail = (e: unknown) => {
    failure ??= { e };
    notifyAll();
  };
  o.signal?.addEventListener('abort', notifyAll);

  async function worker(): Promise<void> {
    for (;;) {
      while (pendingWeight >= o.maxPending && !stopped()) await room.changed();
      if (stopped() || next >= o.items.length) return;
      if (o.beforeEach) {
        try {
          const wait = o.beforeEach();
          if (wait !== undefined) await wait;
        } catch (e) {
          return fail(e);
        }
        if (stopped() || next >= o.items.length) return;
      }
      const index = next++;
      active++;
      try {
        const r = await o.produce(o.items[index], index);
        if (!commitFailed) {
          pending.push(r);
          pendingWeight += weight(r);
        }
      } catch (e) {
        fail(e);
      } finally {
        active--;
        progress.notify();
      }
    }
  }

  async function committer(): Promise<void> {
    for (;;) {
      if (pending.length === 0) {
        if (!producing()) return;
        await progress.changed();
        continue;
      }
      if (pendingWeight < minBatch && lingerMs > 0 && producing()) {
        let late = false;
        const timer = setTimeout(() => {
          late = true;
          progress.notify();
        }, lingerMs);
        while (pendingWeight < minBatch && producing() && !late) await progress.changed();
        clearTimeout(timer);
      }
      const batch = pending;
      pending = [];
      pendingWeight = 0;
      // Producers may fill the next batch while this one commits.
      room.notify();
      try {
        await o.commit(batch);
      } catch (e) {
        commitFailed = true;
        pending = [];
        fail(e);
        while (active > 0) await progress.changed();
        return;
      }
    }
  }

  try {
    await Promise.all([committer(), ...Array.from({ length: o.workers }, worker)]);
  } finally {
    o.signal?.removeEventListener('abort', notifyAll);
  }
  if (failure) throw failure.e;
  return next;
}

// A condition variable: changed() resolves at the next notify().
function condition(): { changed(): Promise<void>; notify(): void } {
  let waiters: Array<() => void> = [];
  return {
    changed: () => new Promise<void>((r) => waiters.push(r)),
    notify() {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
  };
}
