// Byte progress bars: shown on a terminal for large inputs, never in pipes or when disabled.

import cliProgress from 'cli-progress';
import type { CliContext } from './context.ts';
import { formatSize } from './format.ts';

/** A progress sink; the no-op one is used whenever a bar must not be shown. */
export interface Progress {
  /** Adds `n` processed bytes. */
  add(n: number): void;
  /** Removes the bar from the screen. */
  stop(): void;
}

const noProgress: Progress = { add() {}, stop() {} };

/**
 * Starts a bar for `total` bytes on stderr if stderr is a terminal, `enabled` is true, and the input is
 * at least `minBytes` (small jobs finish before a bar would help). Otherwise returns a no-op.
 */
export function startProgress(
  ctx: CliContext,
  label: string,
  total: number,
  opts: { enabled?: boolean; minBytes?: number } = {},
): Progress {
  const enabled = opts.enabled ?? true;
  if (!enabled || !ctx.stderr.isTTY || ctx.env.CI || total < (opts.minBytes ?? 64 * 1024 * 1024)) return noProgress;
  const bar = new cliProgress.SingleBar(
    {
      stream: ctx.stderr as NodeJS.WriteStream,
      format: `${label} [{bar}] {percentage}% | {done} / {size} | {eta_formatted}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  bar.start(total, 0, { done: formatSize(0), size: formatSize(total) });
  return {
    add(n: number) {
      done += n;
      bar.update(done, { done: formatSize(done) });
    },
    stop() {
      bar.stop();
    },
  };
}
