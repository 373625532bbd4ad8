// Delivery of stored alerts to the channels, in id order, from a cursor kept in the store: every
// alert recorded after the follower first started is delivered at least once, across crashes
// (an alert stored just before a crash is delivered after the restart), and a restart never
// delivers an alert again once the cursor passed it. Alerts any writer records (the sequencer's
// hash-changed, an import's) are delivered too. Delivery runs beside the follow loop, one alert
// at a time through all channels at once; a failing channel is reported, never retried forever.

import type { StoredAlert } from '../store/store.ts';
import { errorMessage } from '../errors.ts';
import type { AlertChannel } from './channels.ts';

/** What the dispatcher reads and writes. */
export interface DispatchDeps {
  /** Alerts with id > afterId, ascending, at most `limit`. */
  listAfter(afterId: number, limit: number): Promise<StoredAlert[]>;
  /** The stored cursor (id of the last alert delivered), or undefined before the first start. */
  loadCursor(): Promise<number | undefined>;
  saveCursor(id: number): Promise<void>;
  channels: AlertChannel[];
  /** Reports a channel failure (one line). */
  say(line: string): void;
}

/** The running dispatcher. */
export interface Dispatcher {
  /** Looks for new alerts soon. */
  kick(): void;
  /** Resolves once every alert stored before the call has been handed to the channels. */
  idle(): Promise<void>;
  /** Delivered so far by this dispatcher. */
  delivered(): number;
  /** Finishes the alert in hand and stops. */
  stop(): Promise<void>;
}

const PAGE = 100;

/**
 * Starts delivering. On the first start ever (no stored cursor) the cursor is set past the alerts
 * that exist already: a follower announces what it finds, not the log's history.
 */
export async function startDispatcher(deps: DispatchDeps): Promise<Dispatcher> {
  let cursor = await deps.loadCursor();
  if (cursor === undefined) {
    let last = 0;
    for (;;) {
      const page = await deps.listAfter(last, 10_000);
      if (page.length === 0) break;
      last = page[page.length - 1].id;
    }
    cursor = last;
    await deps.saveCursor(cursor);
  }
  let at = cursor;
  let count = 0;
  let stopped = false;
  let again = false;
  let running: Promise<void> | undefined;

  async function deliver(a: StoredAlert): Promise<void> {
    const results = await Promise.allSettled(deps.channels.map((c) => c.send(a)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') deps.say(`distsum: alert #${a.id} (${a.kind}) not delivered via ${deps.channels[i].name}: ${errorMessage(r.reason)}`);
    });
  }

  let saved = at;
  async function save(): Promise<void> {
    if (at === saved) return;
    await deps.saveCursor(at);
    saved = at;
  }

  async function drain(): Promise<void> {
    try {
      do {
        again = false;
        for (;;) {
          const page = stopped ? [] : await deps.listAfter(at, PAGE);
          if (page.length === 0) break;
          for (const a of page) {
            if (stopped) break;
            await deliver(a);
            at = a.id;
            count++;
          }
          await save();
        }
      } while (again && !stopped);
    } finally {
      await save();
    }
  }

  function kick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = drain()
      .catch((e: unknown) => deps.say(`distsum: alert delivery failed: ${errorMessage(e)}`))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    kick() {
      void kick();
    },
    async idle() {
      // A pass that started before the call may have missed the newest alerts: run one more.
      if (running) await running;
      await kick();
    },
    delivered: () => count,
    async stop() {
      stopped = true;
      if (running) await running;
    },
  };
}
