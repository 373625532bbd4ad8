// `distsum verify`: check lock files and downloaded distribution files against the known-hashes log
// (with proofs) and the publishers' release manifests, before installing.

import type { Command } from 'commander';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { CliContext } from './context.ts';
import { out } from './context.ts';
import { printJson, renderTable, safeText } from './format.ts';
import { parsePositiveInt } from './options.ts';
import { ExitCode, ExitWith, InputError, UsageError } from '../errors.ts';
import { loadConfig } from '../config/load.ts';
import type { EffectiveConfig } from '../config/load.ts';
import { urlProblem } from '../config/template.ts';
import { userDirs } from '../config/xdg.ts';
import type { UserDirs } from '../config/xdg.ts';
import { diskCache, logDirName } from '../verify/diskcache.ts';
import { httpGetter, httpPoster, offlineGetter } from '../verify/fetch.ts';
import type { Getter } from '../verify/fetch.ts';
import { classifyInputs } from '../verify/inputs.ts';
import { newLogClient } from '../verify/logclient.ts';
import { lookupCache } from '../verify/lookupcache.ts';
import type { LogClient } from '../verify/logclient.ts';
import { manifestFinder } from '../verify/manifests.ts';
import { formatReport, LogMisbehaviourError, reportJson } from '../verify/misbehaviour.ts';
import { failureLines, resultJson, resultTable, summaryLine } from '../verify/report.ts';
import { verifyInputs } from '../verify/run.ts';
import { checkpointStore } from '../verify/state.ts';

/** Requests (and files) in flight by default. */
export const DEFAULT_JOBS = 32;

interface VerifyCliOptions {
  log: boolean;
  logUrl?: string;
  logKey?: string;
  offline?: boolean;
  strict?: boolean;
  json?: boolean;
  config?: string;
  jobs: number;
}

/** The log to use, from flags over the configuration; undefined with --no-log. UsageError when incomplete. */
export function chooseLog(o: Pick<VerifyCliOptions, 'log' | 'logUrl' | 'logKey' | 'offline'>, cfg: EffectiveConfig): { url?: string; key: string } | undefined {
  if (!o.log) return undefined;
  const url = o.logUrl ?? cfg.log.url;
  const key = o.logKey ?? cfg.log.key;
  if (url === undefined && key === undefined) {
    throw new UsageError('no log configured: set [log] url and key in distsum.toml (or DISTSUM_LOG and DISTSUM_LOG_KEY), or pass --no-log to check manifests only');
  }
  if (key === undefined) throw new UsageError(`the log ${url} has no key configured: set [log] key (or DISTSUM_LOG_KEY); distsum never trusts a log it cannot verify`);
  if (url === undefined && !o.offline) throw new UsageError('the log key is configured but not its URL: set [log] url (or DISTSUM_LOG)');
  if (url !== undefined) {
    const p = urlProblem(url);
    if (p) throw new UsageError(`log URL: ${p}`);
  }
  return url === undefined ? { key } : { url, key };
}

/** The log's name (origin) as its key string says, for directory names; the client checks the key properly. */
function keyName(key: string): string {
  return key.split('+')[0] || 'log';
}

/** Registers `distsum verify`. */
export function registerVerify(program: Command, ctx: CliContext): void {
  program
    .command('verify')
    .summary('check lock files and downloaded files against the known-hashes log and release manifests')
    .description(
      [
        'Check every file a project depends on before installing it. PATHs are lock',
        'files (requirements with --hash, pylock.toml, uv.lock, poetry.lock,',
        'Pipfile.lock, pip --report JSON), distribution files, or directories of them',
        '(a wheelhouse, `pip download` output); default: the lock files in the current',
        'directory. Downloaded files are hashed and also checked against the lock',
        'files given with them.',
        '',
        'Each file is looked up in the known-hashes log and every answer is verified:',
        "an inclusion proof against a checkpoint signed by the log's key, and that",
        "checkpoint proven consistent (from the log's tiles) with the latest one this",
        'machine has seen, kept in $XDG_STATE_HOME/distsum. Where a trust policy',
        "covers a project (distsum trust add), the publisher's release manifest is",
        'fetched, its SSH signature checked, and the file compared with it.',
        '',
        'Verdicts: ok; unknown (the log does not know the file yet: fails with',
        "--strict, [verify] strict, or a policy's require_log); MISMATCH (the log,",
        'the manifest or the lock says other bytes); not-in-manifest; error (a check',
        'could not be made).',
        'Exit status: 0 all ok, 1 a file failed, 2 usage or input error, 3 the log',
        'misbehaved (a fork, a rewound history, forged tiles or a false proof): a',
        'report with the evidence is printed and saved.',
        '',
        'Configuration: the distsum.toml nearest the lock file, then',
        '~/.config/distsum/config.toml:',
        '  [log]',
        '  url = "https://log.example.org"',
        '  key = "<verifier key>"',
        '  witnesses = ["<witness key>"]   # optional, with min_witnesses = 1',
        '  [verify]',
        '  strict = true',
        'DISTSUM_LOG and DISTSUM_LOG_KEY override [log] url and key.',
      ].join('\n'),
    )
    .argument('[paths...]', 'lock files, distribution files or directories (default: lock files in .)')
    .option('--log-url <url>', 'the log to check against (overrides configuration)')
    .option('--log-key <key>', "the log's note verifier key (overrides configuration)")
    .option('--no-log', 'do not consult a log; check only manifests (and lock files)')
    .option('--offline', 'use only the local cache and state; no network')
    .option('--strict', 'files the log does not know fail')
    .option('--config <file>', 'use this distsum.toml instead of searching for one')
    .option('-j, --jobs <n>', 'requests in flight at most', parsePositiveInt, DEFAULT_JOBS)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  distsum verify                                   # the lock files in this directory
  distsum verify requirements.txt
  distsum verify wheelhouse/ --strict              # downloaded files
  distsum verify pylock.toml downloads/            # downloaded files against the lock and the log
  DISTSUM_LOG=https://log.example.org DISTSUM_LOG_KEY=log.example.org+1a2b3c4d+AXk... distsum verify uv.lock
  distsum verify --offline poetry.lock             # from the cache of an earlier run`,
    )
    .action(async (paths: string[], o: VerifyCliOptions) => {
      await runVerifyCommand(ctx, paths, o);
    });
}

async function runVerifyCommand(ctx: CliContext, paths: string[], o: VerifyCliOptions): Promise<void> {
  const inputs = await classifyInputs(paths, ctx.cwd);
  const home = ctx.env.HOME || homedir();
  const dirs: UserDirs = userDirs(ctx.env, home);
  const startDir = inputs.locks.length > 0 ? dirname(inputs.locks[0]) : ctx.cwd;
  const cfg = await loadConfig({ startDir, dirs, env: ctx.env, home, explicit: o.config === undefined ? undefined : resolve(ctx.cwd, o.config) });
  const chosen = chooseLog(o, cfg);
  const offline = o.offline ?? false;
  const get: Getter = offline ? offlineGetter() : httpGetter();

  let client: LogClient | undefined;
  let state;
  if (chosen !== undefined) {
    const dir = logDirName(keyName(chosen.key), chosen.key);
    state = checkpointStore(join(dirs.state, 'logs', dir), ctx.now);
    client = newLogClient({
      url: chosen.url,
      verifierKey: chosen.key,
      witnessKeys: cfg.log.witnesses,
      minWitnesses: cfg.log.minWitnesses,
      get,
      post: offline ? undefined : httpPoster(),
      cache: diskCache(join(dirs.cache, 'logs', dir)),
      lookups: lookupCache(join(dirs.cache, 'logs', dir, 'lookups')),
      state,
      offline,
      concurrency: o.jobs,
    });
  }
  const findManifest = manifestFinder({ get, cache: diskCache(dirs.cache), offline, now: ctx.now });

  let result;
  try {
    // The log's checkpoint is fetched and checked while the lock files are read (verifyInputs awaits it).
    const started = client?.start();
    started?.catch(() => {});
    result = await verifyInputs(inputs, { client, started, policies: cfg.trust, findManifest, strict: o.strict || cfg.strict, concurrency: o.jobs });
    // Only answers from a run the log did not misbehave in are kept.
    client?.flush();
  } catch (e) {
    if (!(e instanceof LogMisbehaviourError) || state === undefined) throw e;
    const text = formatReport(e.report);
    let saved: string | undefined;
    try {
      saved = await state.saveReport(text);
    } catch {
      // The report still goes to the terminal.
    }
    if (o.json) printJson(ctx, { ok: false, security_error: reportJson(e.report, saved) });
    // Sections are indented with a tab; everything else that is not printable is escaped.
    ctx.stderr.write(text.split('\n').map((l) => (l.startsWith('\t') ? `\t${safeText(l.slice(1))}` : safeText(l))).join('\n'));
    ctx.stderr.write(`distsum: ${safeText(e.message)}${saved ? `; report saved to ${saved}` : ''}\n`);
    throw new ExitWith(ExitCode.Security);
  }

  const logInfo = client ? { origin: client.origin, url: client.url } : undefined;
  if (result.results.length === 0) {
    for (const w of result.warnings) ctx.stderr.write(`distsum: warning: ${safeText(w)}\n`);
    throw new InputError(`nothing to verify: ${inputs.locks.join(', ') || 'the inputs'} pin no file hashes`);
  }
  if (o.json) {
    printJson(ctx, resultJson(result, logInfo));
  } else {
    for (const w of result.warnings) ctx.stderr.write(`distsum: warning: ${safeText(w)}\n`);
    const t = resultTable(result);
    ctx.stdout.write(renderTable(t.headers, t.rows.map((r) => r.map(safeText))));
    for (const l of failureLines(result)) ctx.stderr.write(`distsum: ${safeText(l)}\n`);
    out(ctx, safeText(summaryLine(result, client?.origin)));
  }
  if (!result.ok) throw new ExitWith(ExitCode.CheckFailed);
}
