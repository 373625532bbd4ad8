// `distsum log follow`: fill the log from a package index and keep following it, raising alerts
// on stdout (or as JSON lines), through a hook command and webhooks. `distsum log alerts`: list
// the log's alerts and mark them resolved.

import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import type { CliContext } from './context.ts';
import { err, out } from './context.ts';
import { printJson, renderTable, safeText } from './format.ts';
import { parsePositiveInt } from './options.ts';
import { ExitCode, ExitWith, UsageError } from '../errors.ts';
import { dataPaths, resolveDataDir } from '../config/paths.ts';
import { createDataDir, openDataDir } from '../log/datadir.ts';
import { normalizeProjectName, projectNameProblem } from '../index/names.ts';
import type { DigestUrlLayout } from '../index/pythonhosted.ts';
import { PYTHONHOSTED } from '../index/pythonhosted.ts';
import { userAgent } from '../index/client.ts';
import { resolveIndexUrl } from '../index/url.ts';
import type { StoredAlert } from '../store/store.ts';
import { MONITOR_ALERT_SEVERITY, testAlert } from '../monitor/alerts.ts';
import { execChannel, lineChannel, webhookChannel, webhookUrlProblem, type AlertChannel } from '../monitor/channels.ts';
import { parseDuration, parseRate } from '../monitor/duration.ts';
import { followConfig, startFollower, type FollowConfig } from '../monitor/follow.ts';
import { alertRecord, alertSummary } from '../monitor/format.ts';

/** Origin of a log that `log follow --init` creates when --origin is not given. */
export const DEFAULT_FOLLOW_ORIGIN = 'localhost/distsum';

const dataOption = () => new Option('--data <dir>', 'log data directory (default: $DISTSUM_DATA or ./distsum-data)');

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function durationArg(what: string): (v: string) => number {
  return (v) => {
    try {
      return parseDuration(v, what);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

// A duration option whose default shows as users write it.
function durationOption(flags: string, description: string, dflt: number, shown: string): Option {
  const name = flags.split(' ')[0];
  return new Option(flags, description).argParser(durationArg(name)).default(dflt, shown);
}

// `--digest-url https://files.example.org/packages/`: a content-addressed file host and prefix.
function layoutOf(url: string): DigestUrlLayout {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--digest-url ${JSON.stringify(url.slice(0, 200))} is not a URL`);
  }
  const prefix = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return { hostname: u.hostname, prefix };
}

interface FollowCliOptions {
  index?: string;
  projects?: string[];
  all?: boolean;
  interval: number;
  once?: boolean;
  data?: string;
  init?: boolean;
  origin?: string;
  verifyBytes?: string | boolean;
  lateAfter: number;
  manifestGrace: number;
  lagAfter?: number;
  jsonApi?: boolean;
  concurrency: number;
  digestUrl?: string[];
  allowHttp?: boolean;
  timeout: number;
  retries: number;
  json?: boolean;
  exec?: string;
  execTimeout: number;
  webhook?: string[];
  testAlert?: boolean;
}

/** The projects of `--projects a,b --projects c`, normalized and unique; UsageError for a bad name. */
export function parseProjectList(values: string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    for (const raw of v.split(',')) {
      const name = raw.trim();
      if (name === '') continue;
      const problem = projectNameProblem(name);
      if (problem) throw new UsageError(`--projects: ${problem}`);
      out.add(normalizeProjectName(name));
    }
  }
  if (out.size === 0) throw new UsageError('--projects needs at least one project name');
  return [...out];
}

/** Registers `follow` and `alerts` under the `distsum log` command `log`. */
export function registerFollow(log: Command, ctx: CliContext): void {
  log
    .command('follow')
    .summary('fill the log from a package index and keep following it, with alerts')
    .description(
      'Append every file the index lists to the log (everything, on the first run), then poll for changes every --interval. ' +
        "With --all, changes come from the `_last-serial` of each project in the index's project list (PyPI), or from polling every project in turn on indexes without serials; " +
        'with --projects, only those projects are polled (with conditional requests). State is kept in the log, so a restart resumes where it stopped and never alerts twice.\n\n' +
        "Alerts: hash-changed (the index serves other bytes under a logged file name), digest-mismatch (the index contradicts itself: a file URL's BLAKE2b-256, the JSON API or the bytes), " +
        'file-added-late, file-removed, follow-error, follow-lagging, and for watched projects (see distsum watch) not-in-manifest, manifest-mismatch, manifest-unverified, manifest-invalid, manifest-missing. ' +
        'Each is stored once (see distsum log alerts), printed on stdout, and sent to the --exec hook (alert in DISTSUM_ALERT_* environment variables) and --webhook URLs.\n\n' +
        'Exit status with --once: 0 when the round raised no new alert, 1 when it did.',
    )
    .option('--index <url>', 'the index: base URL (https://pypi.org/) or simple URL (https://pypi.org/simple/)')
    .option('--projects <names>', 'follow only these projects (comma-separated; repeatable)', collect)
    .option('--all', 'follow every project the index lists')
    .addOption(durationOption('--interval <duration>', 'time between rounds (e.g. 30s, 5m)', 60_000, '60s'))
    .option('--once', 'run one round (the whole backfill on a first run), then exit')
    .addOption(dataOption())
    .option('--init', 'create the data directory with a new log when it holds none (a publisher watching their own projects)')
    .option('--origin <name>', `log name for --init (default ${DEFAULT_FOLLOW_ORIGIN})`)
    .option('--verify-bytes [rate]', 'download new files and hash them; a rate (0.1) verifies that fraction')
    .addOption(durationOption('--late-after <duration>', "file-added-late: a new file this long after its release's first file", 14 * 86_400_000, '14d'))
    .addOption(durationOption('--manifest-grace <duration>', "manifest-missing: wait this long for a watched release's manifest", 86_400_000, '24h'))
    .option('--lag-after <duration>', 'follow-lagging: not caught up for this long (default 10 intervals, at least 15m)', durationArg('--lag-after'))
    .option('--json-api', 'also read the PyPI JSON API (default on pypi.org and test.pypi.org)')
    .option('--no-json-api', 'never read the PyPI JSON API')
    .option('--concurrency <n>', 'requests to the index in flight at once', parsePositiveInt, 4)
    .option('--digest-url <prefix>', 'a content-addressed file host whose URLs hold the BLAKE2b-256 (repeatable; files.pythonhosted.org always)', collect)
    .option('--allow-http', 'allow plain http to a non-local index')
    .addOption(durationOption('--timeout <duration>', 'time limit for one page from the index', 300_000, '5m'))
    .option('--retries <n>', 'retries of a failed request (429, 5xx, network) before it is an error', (v) => (v === '0' ? 0 : parsePositiveInt(v)), 4)
    .option('--json', 'print alerts as JSON lines')
    .option('--exec <command>', 'run this shell command for every alert (details in DISTSUM_ALERT_* variables)')
    .addOption(durationOption('--exec-timeout <duration>', 'kill the --exec command after this long', 30_000, '30s'))
    .option('--webhook <url>', 'POST every alert as JSON to this URL (repeatable; https, or http to localhost)', collect)
    .option('--test-alert', 'send a sample alert through every configured channel and exit')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  distsum log follow --index https://pypi.org/ --all --data /var/lib/distsum --exec /usr/local/bin/page-me\n' +
        '  distsum log follow --index https://pypi.org/simple/ --projects mypkg --init --once\n' +
        '  distsum log follow --webhook https://hooks.example.com/T0K3N --test-alert',
    )
    .action(async (opts: FollowCliOptions) => {
      await runFollow(ctx, opts);
    });

  const alerts = log
    .command('alerts')
    .summary("list the log's alerts; resolve ID marks one resolved")
    .description(
      'List alerts, oldest first (the newest --limit of those matching). `distsum log alerts resolve ID` marks alerts resolved once the condition is dealt with ' +
        '(it needs the writer lock: stop a running follower first). A resolved condition does not alert again.',
    )
    .option('--open', 'only alerts not yet resolved')
    .option('--kind <kind>', `only this kind (${Object.keys(MONITOR_ALERT_SEVERITY).filter((k) => k !== 'test-alert').join(', ')})`)
    .option('--project <name>', 'only alerts about this project')
    .option('--limit <n>', 'show at most the newest n', parsePositiveInt, 100)
    .addOption(dataOption())
    .option('--json', 'print the alerts as JSON')
    .addHelpText('after', '\nExamples:\n  distsum log alerts --open\n  distsum log alerts --kind hash-changed --json\n  distsum log alerts resolve 12 13')
    .action(async (opts: { open?: boolean; kind?: string; project?: string; limit: number; data?: string; json?: boolean }) => {
      await listAlertsCommand(ctx, opts);
    });

  alerts
    .command('resolve')
    .summary('mark alerts resolved')
    .description(
      'Mark alerts resolved once their condition is dealt with. Works while a follower or server is ' +
        'running on the log (no writer lock is needed). Exit status 2 when an id is not an open alert.',
    )
    .argument('<ids...>', 'alert ids')
    .addOption(dataOption())
    .option('--json', 'print the result as JSON')
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      // --data and --json may be written after the ids, where the parent command also takes them.
      await resolveCommand(ctx, ids, cmd.optsWithGlobals<{ data?: string; json?: boolean }>());
    });
}

async function distsumVersion(): Promise<string> {
  // Imported lazily: main.ts registers this module.
  const { VERSION } = await import('./main.ts');
  return VERSION;
}

function channelsFor(ctx: CliContext, o: FollowCliOptions, origin: string, version: string): AlertChannel[] {
  const channels: AlertChannel[] = [lineChannel((line) => out(ctx, line), origin, o.json ?? false)];
  if (o.exec !== undefined) {
    if (o.exec.trim() === '') throw new UsageError('--exec needs a command');
    channels.push(execChannel(o.exec, origin, { env: ctx.env, cwd: ctx.cwd, timeoutMs: o.execTimeout }));
  }
  for (const url of o.webhook ?? []) {
    const problem = webhookUrlProblem(url);
    if (problem) throw new UsageError(`--webhook: ${problem}`);
    channels.push(webhookChannel(url, origin, { userAgent: userAgent(version) }));
  }
  return channels;
}

async function runFollow(ctx: CliContext, o: FollowCliOptions): Promise<void> {
  const version = await distsumVersion();
  const dir = resolveDataDir(o.data, ctx.env, ctx.cwd);
  if (o.testAlert) {
    // The origin of an existing log names the sender; without one, the sample says so.
    let origin = '(no log)';
    if (existsSync(dataPaths(dir).db)) {
      const l = await openDataDir(dir, { writer: false, now: ctx.now });
      origin = l.info.origin;
      await l.close();
    }
    const channels = channelsFor(ctx, o, origin, version);
    const sample = testAlert(ctx.now());
    let failed = 0;
    for (const c of channels) {
      try {
        await c.send(sample);
        if (c.name !== 'stdout') err(ctx, `distsum: test alert sent via ${c.name}`);
      } catch (e) {
        failed++;
        err(ctx, `distsum: test alert via ${c.name} failed: ${safeText((e as Error).message)}`);
      }
    }
    if (failed > 0) throw new ExitWith(ExitCode.CheckFailed);
    return;
  }

  if (o.index === undefined) throw new UsageError('--index is required (e.g. --index https://pypi.org/)');
  if (o.all && o.projects) throw new UsageError('give either --all or --projects, not both');
  if (!o.all && !o.projects) throw new UsageError('say what to follow: --all, or --projects NAME[,NAME...]');
  const projects = o.projects ? parseProjectList(o.projects) : undefined;
  let verifyRate = 0;
  if (o.verifyBytes === true) verifyRate = 1;
  else if (typeof o.verifyBytes === 'string') verifyRate = parseRate(o.verifyBytes, '--verify-bytes');
  const digestHosts = [PYTHONHOSTED, ...(o.digestUrl ?? []).map(layoutOf)];
  // A bad index URL or channel must fail before anything is created.
  resolveIndexUrl(o.index, { allowHttp: o.allowHttp });
  channelsFor(ctx, o, '', version);

  if (!existsSync(dataPaths(dir).db)) {
    if (!o.init) throw new UsageError(`no log at ${dir}: run distsum log init --origin NAME --data ${dir} first, or pass --init to create one`);
    const vkey = await createDataDir(dir, o.origin ?? DEFAULT_FOLLOW_ORIGIN, ctx.now());
    err(ctx, `distsum: created log ${safeText(o.origin ?? DEFAULT_FOLLOW_ORIGIN)} in ${dir}; verifier key: ${vkey}`);
  }
  const l = await openDataDir(dir, { writer: true, now: ctx.now });
  try {
    const config: FollowConfig = followConfig(o.index, {
      intervalMs: Math.max(o.interval, 100),
      once: o.once ?? false,
      verifyRate,
      lateAfterMs: o.lateAfter,
      manifestGraceMs: o.manifestGrace,
      concurrency: o.concurrency,
      digestHosts,
      allowHttp: o.allowHttp,
      version,
    });
    if (o.lagAfter !== undefined) config.lagAfterMs = o.lagAfter;
    if (projects) config.projects = projects;
    if (o.jsonApi !== undefined) config.useJsonApi = o.jsonApi;
    const follower = startFollower({
      log: l,
      config,
      channels: channelsFor(ctx, o, l.info.origin, version),
      say: (line) => err(ctx, safeText(line)),
      now: ctx.now,
      clientOptions: {
        pageTimeoutMs: o.timeout,
        idleTimeoutMs: Math.min(o.timeout, 30_000),
        backoff: { maxRetries: o.retries },
      },
    });
    const onSignal = () => {
      err(ctx, 'distsum: stopping after the projects in hand (signal again to abort)');
      void follower.stop();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await follower.ready;
      err(ctx, `distsum: following ${follower.state().index} into ${l.info.origin} (${dir})`);
      const final = await follower.done;
      if (o.once && follower.newAlerts().length > 0) {
        err(ctx, `distsum: ${follower.newAlerts().length} new alert${follower.newAlerts().length === 1 ? '' : 's'} (tree size ${final.tree_size})`);
        throw new ExitWith(ExitCode.CheckFailed);
      }
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  } finally {
    await l.close();
  }
}

async function listAlertsCommand(ctx: CliContext, o: { open?: boolean; kind?: string; project?: string; limit: number; data?: string; json?: boolean }): Promise<void> {
  if (o.kind !== undefined && !/^[a-z][a-z0-9-]{0,63}$/.test(o.kind)) throw new UsageError(`--kind ${JSON.stringify(o.kind.slice(0, 80))} is not an alert kind`);
  let project: string | undefined;
  if (o.project !== undefined) {
    const problem = projectNameProblem(o.project);
    if (problem) throw new UsageError(`--project: ${problem}`);
    project = normalizeProjectName(o.project);
  }
  const l = await openDataDir(resolveDataDir(o.data, ctx.env, ctx.cwd), { writer: false, now: ctx.now });
  let shown: StoredAlert[] = [];
  let total = 0;
  try {
    // Ascending pages; keep the newest `limit`.
    let after = 0;
    for (;;) {
      const page = await l.reader.listAlerts({ open: o.open, kind: o.kind, project, afterId: after, limit: 10_000 });
      total += page.length;
      shown = shown.concat(page).slice(-o.limit);
      if (page.length < 10_000) break;
      after = page[page.length - 1].id;
    }
  } finally {
    await l.close();
  }
  if (o.json) {
    printJson(ctx, { alerts: shown.map((a) => alertRecord(a, l.info.origin)), total });
    return;
  }
  if (shown.length === 0) {
    out(ctx, 'no alerts');
    return;
  }
  const rows = shown.map((a) => [
    String(a.id),
    a.severity,
    a.kind,
    safeText(a.project === '' ? '(index)' : a.project),
    safeText(a.filename ?? a.version ?? '-'),
    a.created,
    a.resolvedAt === undefined ? 'open' : 'resolved',
    safeText(alertSummary(a)),
  ]);
  ctx.stdout.write(renderTable(['ID', 'SEVERITY', 'KIND', 'PROJECT', 'FILE', 'SEEN', 'STATE', 'SUMMARY'], rows));
  if (total > shown.length) err(ctx, `distsum: showing the newest ${shown.length} of ${total} (use --limit)`);
}

async function resolveCommand(ctx: CliContext, ids: string[], o: { data?: string; json?: boolean }): Promise<void> {
  const nums = ids.map((s) => {
    if (!/^[1-9][0-9]{0,14}$/.test(s)) throw new UsageError(`${JSON.stringify(s.slice(0, 40))} is not an alert id`);
    return Number(s);
  });
  // Without the writer lock: alerts can be resolved while a follower or server is running.
  const l = await openDataDir(resolveDataDir(o.data, ctx.env, ctx.cwd), { writer: false, now: ctx.now });
  const results: { id: number; resolved: boolean }[] = [];
  try {
    for (const id of nums) results.push({ id, resolved: await l.store.resolveAlert(id, ctx.now().toISOString()) });
  } finally {
    await l.close();
  }
  if (o.json) printJson(ctx, { results });
  else for (const r of results) out(ctx, r.resolved ? `resolved alert #${r.id}` : `alert #${r.id} is not open (no such alert, or resolved already)`);
  if (results.some((r) => !r.resolved)) throw new ExitWith(ExitCode.Usage);
}

