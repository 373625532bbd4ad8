// `distsum log serve`: the known-hashes log over HTTP (checkpoint, C2SP tiles, lookups with proofs,
// JSON API, authenticated appends, health and metrics) and its web pages. Runs until SIGTERM or
// SIGINT, then shuts down gracefully: requests in progress finish, the writer commits and signs its
// last batch, the store closes.

import cluster from 'node:cluster';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from './context.ts';
import { processContext } from './context.ts';
import { parsePositiveInt } from './options.ts';
import { DistsumError, ExitCode, errorMessage } from '../errors.ts';
import { resolveDataDir } from '../config/paths.ts';
import { DEFAULT_LIMITS } from '../server/deps.ts';
import { DEFAULT_ORIGIN } from '../server/options.ts';
import type { ServeOptions, ServerHandle } from '../server/options.ts';
import { parseDuration } from '../monitor/duration.ts';

/** Parses a TCP port option (0 picks a free port). */
export function parsePort(value: string): number {
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port number 0..65535');
  return Number(value);
}

interface ServeCliOptions {
  data?: string;
  host: string;
  port: number;
  workers: number;
  readOnly?: boolean;
  init?: boolean;
  origin?: string;
  cacheMib: number;
  maxBodyMib: number;
  maxEntries: number;
  grace: number;
  follow?: string;
  interval: string;
}

/** The server options the command line and environment give. */
export function serveOptions(o: ServeCliOptions, ctx: CliContext): ServeOptions {
  const origin = o.origin ?? (ctx.env.DISTSUM_ORIGIN || DEFAULT_ORIGIN);
  return {
    dataDir: resolveDataDir(o.data, ctx.env, ctx.cwd),
    host: o.host,
    port: o.port,
    workers: o.workers,
    readOnly: o.readOnly ?? false,
    init: o.init || o.origin !== undefined ? { origin } : undefined,
    adminToken: ctx.env.DISTSUM_ADMIN_TOKEN || undefined,
    cacheBytes: o.cacheMib * 1024 * 1024,
    limits: { ...DEFAULT_LIMITS, maxBodyBytes: o.maxBodyMib * 1024 * 1024, maxEntries: o.maxEntries },
    graceMs: o.grace * 1000,
    now: ctx.now,
    log: (line) => ctx.stderr.write(line + '\n'),
    follow: o.follow ? { index: o.follow, intervalMs: parseDuration(o.interval, '--interval') } : undefined,
  };
}

/** Registers `serve` under the `distsum log` command group. */
export function registerServe(logCommand: Command, ctx: CliContext): void {
  logCommand
    .command('serve')
    .summary('serve the log over HTTP: checkpoint, tiles, lookups with proofs, JSON API, web pages')
    .description(
      'Serve the known-hashes log: GET /checkpoint, /tile/<L>/<N> and /tile/entries/<N> (C2SP\n' +
        'tlog-tiles), /lookup/<filename> and /lookup/sha256/<hex> (entry + C2SP tlog-proof),\n' +
        '/api/v1/projects/<name>, /api/v1/alerts, /api/v1/status, POST /api/v1/entries (needs\n' +
        'Authorization: Bearer <admin token>), /healthz, /metrics, and web pages at /.\n' +
        'The admin token is $DISTSUM_ADMIN_TOKEN or the data directory\'s admin.token. The server is\n' +
        'the log\'s single writer unless --read-only. Stops gracefully on SIGTERM or SIGINT.',
    )
    .addOption(new Option('--data <dir>', 'log data directory (default: $DISTSUM_DATA or ./distsum-data)'))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port to listen on (0 picks a free one)', parsePort, 8080)
    .option('--workers <n>', 'processes answering HTTP (N > 1: a cluster; reads scale with cores)', parsePositiveInt, 1)
    .option('--read-only', 'serve reads only, without taking the writer lock (another process writes)')
    .option('--init', `create the log on first start (origin: --origin, $DISTSUM_ORIGIN or ${DEFAULT_ORIGIN})`)
    .option('--origin <origin>', 'origin of the log to create on first start (implies --init)')
    .option('--cache-mib <n>', 'MiB of immutable tile data each process keeps in memory', parsePositiveInt, 256)
    .option('--max-body-mib <n>', 'largest POST /api/v1/entries body in MiB', parsePositiveInt, DEFAULT_LIMITS.maxBodyBytes / (1024 * 1024))
    .option('--max-entries <n>', 'most entries per POST /api/v1/entries', parsePositiveInt, DEFAULT_LIMITS.maxEntries)
    .option('--follow <index-url>', 'also follow this package index in the same process (see `distsum log follow`)')
    .option('--interval <duration>', 'with --follow: time between polls of the index', '60s')
    .option('--grace <seconds>', 'how long requests in progress may take to finish at shutdown', parsePositiveInt, 10)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  distsum log serve --init                       # ./distsum-data, http://127.0.0.1:8080/\n' +
        '  distsum log serve --data /var/lib/distsum --host 0.0.0.0 --port 8080 --workers 4\n' +
        '  distsum log serve --init --follow https://pypi.org/ --interval 60s   # server and follower in one\n' +
        '  curl -s http://127.0.0.1:8080/checkpoint\n' +
        '  curl -s -H "Authorization: Bearer $(cat distsum-data/admin.token)" \\\n' +
        '       --data-binary @files.jsonl http://127.0.0.1:8080/api/v1/entries\n' +
        '\nEnvironment: DISTSUM_DATA, DISTSUM_ORIGIN, DISTSUM_ADMIN_TOKEN (at least 16\ncharacters).',
    )
    .action(async (o: ServeCliOptions) => {
      // Signals are taken over before starting, so one that arrives while the server starts up
      // (after it printed its address) still stops it gracefully.
      let handle: ServerHandle | undefined;
      let stop = false;
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals) => {
        // A second signal means "now": the store is transactional, so stopping mid-batch loses nothing acknowledged.
        if (++signals > 1) process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
        if (cluster.isPrimary) ctx.stderr.write(`distsum: ${sig}: shutting down\n`);
        stop = true;
        void handle?.close();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      try {
        // The HTTP stack loads only for this command (the rest of the CLI starts faster without it).
        const { runServer } = await import('../server/serve.ts');
        handle = await runServer(serveOptions(o, ctx));
        if (stop) void handle.close();
        await handle.done;
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });
}

/**
 * Runs `distsum log serve <argv...>` on its own (without the rest of the CLI): for the benchmark and
 * tests, and for cluster workers started from them. Returns the exit code, like the CLI's run().
 */
export async function serveMain(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const program = new Command('distsum').exitOverride().configureOutput({
    writeOut: (s) => ctx.stdout.write(s),
    writeErr: (s) => ctx.stderr.write(s),
  });
  const log = program.command('log').exitOverride();
  registerServe(log, ctx);
  log.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(['log', 'serve', ...argv], { from: 'user' });
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' ? ExitCode.Ok : ExitCode.Usage;
    if (e instanceof DistsumError) {
      ctx.stderr.write(`distsum: ${e.message}\n`);
      return e.exitCode;
    }
    ctx.stderr.write(`distsum: internal error: ${errorMessage(e)}\n`);
    return 70;
  }
}
