// `distsum log init|key|import|checkpoint|audit`: create a known-hashes log, show its key and latest
// signed checkpoint, bulk-import what an index serves, and audit the whole log from its entries.

import type { Command } from 'commander';
import { Option } from 'commander';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CliContext } from './context.ts';
import { err, out } from './context.ts';
import { printJson, safeText } from './format.ts';
import { parsePositiveInt } from './options.ts';
import { startProgress } from './progress.ts';
import type { Progress } from './progress.ts';
import { ExitCode, ExitWith, InputError, UsageError } from '../errors.ts';
import { resolveDataDir } from '../config/paths.ts';
import { createDataDir, openDataDir } from '../log/datadir.ts';
import type { OpenLog } from '../log/datadir.ts';
import { auditLog } from '../log/audit.ts';
import { MAX_JSON_DOCUMENT, chunksOf, jsonApiFileItems, jsonApiFiles, jsonApiItems, runImport } from '../log/import.ts';
import type { ImportChunk, ImportProblem } from '../log/import.ts';
import { jsonLinesChunks } from '../log/importthread.ts';
import { CONFLICT, DEFAULT_BATCH } from '../log/sequencer.ts';
import { filenameOf } from '../log/claims.ts';
import type { ClaimBatch } from '../log/claims.ts';
import { parseCheckpoint } from '../tlog/checkpoint.ts';
import { openNote } from '../tlog/note.ts';
import { registerFollow } from './follow.ts';
import { registerServe } from './serve.ts';

// Problems and conflicts listed individually before the rest are only counted.
const MAX_LISTED = 100;

const dataOption = () => new Option('--data <dir>', 'log data directory (default: $DISTSUM_DATA or ./distsum-data)');

/** Registers `distsum log` and its subcommands. */
export function registerLog(program: Command, ctx: CliContext): void {
  const log = program
    .command('log')
    .summary('run a known-hashes log: init, import, follow, serve, audit, alerts')
    .description(
      'A known-hashes log records the digests of every file an index serves, the first time it is seen, ' +
        'in an append-only Merkle tree with signed checkpoints (like sum.golang.org). Data lives in one ' +
        'directory: the SQLite store, the note signing key and the admin token.',
    );

  log
    .command('init')
    .summary('create a new log and its signing key')
    .description(
      'Create the data directory with an empty log, a new Ed25519 note key (note.key, mode 0600) and an ' +
        'admin bearer token for the HTTP write API (admin.token, mode 0600). Refuses to overwrite an ' +
        'existing log. Prints the verifier key that clients use to check checkpoints.',
    )
    .requiredOption('--origin <origin>', 'the log name, first line of every checkpoint (e.g. example.com/pypi-log)')
    .addOption(dataOption())
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  distsum log init --origin example.com/pypi-log --data /var/lib/distsum\n  VKEY=$(distsum log init --origin log.example.org/pypi)')
    .action(async (opts: { origin: string; data?: string; json?: boolean }) => {
      const dir = resolveDataDir(opts.data, ctx.env, ctx.cwd);
      const vkey = await createDataDir(dir, opts.origin, ctx.now());
      if (opts.json) printJson(ctx, { dir, origin: opts.origin, verifierKey: vkey });
      else {
        err(ctx, `Created log ${safeText(opts.origin)} in ${dir}; verifier key:`);
        out(ctx, vkey);
      }
    });

  log
    .command('key')
    .summary("print the log's verifier key")
    .description("Print the note verifier key (<origin>+<key id>+<base64 key>) that checks this log's checkpoints.")
    .addOption(dataOption())
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  distsum log key --data /var/lib/distsum > log.vkey')
    .action(async (opts: { data?: string; json?: boolean }) => {
      await withLog(ctx, opts.data, false, async (l) => {
        if (opts.json) printJson(ctx, { origin: l.info.origin, verifierKey: l.info.verifierKey });
        else out(ctx, l.info.verifierKey);
      });
    });

  log
    .command('checkpoint')
    .summary('print the latest signed checkpoint')
    .description('Print the latest signed checkpoint exactly as signed (a C2SP signed note).')
    .addOption(dataOption())
    .option('--json', 'print origin, size, root hash and the note as JSON')
    .addHelpText('after', '\nExamples:\n  distsum log checkpoint > checkpoint.note\n  distsum log checkpoint --json | jq .size')
    .action(async (opts: { data?: string; json?: boolean }) => {
      await withLog(ctx, opts.data, false, async (l) => {
        const c = await l.reader.latestCheckpoint();
        if (opts.json) {
          const text = openNote(c.note, [l.info.verifier]).text;
          const cp = parseCheckpoint(text);
          printJson(ctx, { origin: cp.origin, size: cp.size, hash: Buffer.from(cp.hash).toString('base64'), note: Buffer.from(c.note).toString('utf8') });
        } else {
          ctx.stdout.write(c.note);
        }
      });
    });

  log
    .command('import')
    .summary('append file digests in bulk (JSON lines or saved PyPI JSON API responses)')
    .description(
      'Append one entry per distribution file. JSON lines (default): one object per line with project, ' +
        'version, filename, size, sha256 and optionally blake2b_256 (other fields are ignored; the ' +
        'project name is normalized). --format pypi-json reads saved /pypi/<name>/json or ' +
        '/pypi/<name>/<version>/json responses (files, or directories of *.json). A file name already ' +
        'logged with the same digests is counted as present; with other digests it is refused and ' +
        'raises a hash-changed alert. Malformed lines are reported and skipped; with --strict the ' +
        'whole input is checked first and nothing is imported if any of it is malformed (files are read ' +
        'twice, stdin is kept in a temporary file meanwhile: memory does not grow with the input). ' +
        'It takes the writer lock (stop a serving or following writer first); while no other process ' +
        'has the store open it commits through a rollback journal, which is faster for bulk appends ' +
        'and as durable, and returns the store to WAL mode when done. Readers may run meanwhile. ' +
        'Exit status: 0 all imported, 1 a file name was claimed with other digests, 2 malformed input.',
    )
    .argument('[inputs...]', 'input files (- or nothing for stdin with jsonl)')
    .addOption(dataOption())
    .addOption(new Option('--format <format>', 'input format').choices(['jsonl', 'pypi-json']).default('jsonl'))
    .option('--strict', 'refuse the whole input if any record is malformed')
    .option('--json', 'print the summary as JSON')
    .option('--batch <n>', `claims per committed batch (default ${DEFAULT_BATCH})`, parsePositiveInt)
    .option('--no-progress', 'never show a progress bar')
    .addHelpText(
      'after',
      '\nExamples:\n  distsum log import files.jsonl\n  zcat dump.jsonl.gz | distsum log import - --strict\n  distsum log import --format pypi-json saved-responses/',
    )
    .action(async (inputs: string[], opts: ImportCliOptions) => {
      await runImportCommand(ctx, inputs, opts);
    });

  log
    .command('audit')
    .summary('check the whole log from its entries')
    .description(
      'Recompute the Merkle tree from the stored entries and check that every stored checkpoint is ' +
        "signed by the log key and consistent with the current tree, that the stored tiles are the " +
        'hashes of the entries, and that no file name appears twice. Exit 0 only if all holds.',
    )
    .addOption(dataOption())
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExamples:\n  distsum log audit --data /var/lib/distsum || echo "the log is damaged"')
    .action(async (opts: { data?: string; json?: boolean }) => {
      await withLog(ctx, opts.data, false, async (l) => {
        const r = await auditLog(l.store);
        if (opts.json) printJson(ctx, r);
        else if (r.ok) {
          out(ctx, `ok: log ${safeText(r.origin ?? '')}: ${r.entries} entries, ${r.checkpoints} checkpoints; signatures, tree, tiles and indexes verified`);
        } else {
          out(ctx, `FAILED: log ${safeText(r.origin ?? '')}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}:`);
          for (const p of r.problems) out(ctx, `  ${safeText(p)}`);
        }
        if (!r.ok) throw new ExitWith(ExitCode.CheckFailed);
      });
    });
  registerFollow(log, ctx);
  registerServe(log, ctx);
}

interface ImportCliOptions {
  data?: string;
  format: 'jsonl' | 'pypi-json';
  strict?: boolean;
  json?: boolean;
  batch?: number;
  progress: boolean;
}

// Opens the data directory, runs `fn`, always closes.
async function withLog<T>(ctx: CliContext, data: string | undefined, writer: boolean, fn: (l: OpenLog) => Promise<T>): Promise<T> {
  const l = await openDataDir(resolveDataDir(data, ctx.env, ctx.cwd), { writer, now: ctx.now });
  try {
    return await fn(l);
  } finally {
    await l.close();
  }
}

async function runImportCommand(ctx: CliContext, inputs: string[], o: ImportCliOptions): Promise<void> {
  const paths = inputs.filter((p) => p !== '-').map((p) => resolve(ctx.cwd, p));
  const useStdin = inputs.length === 0 || inputs.includes('-');
  if (useStdin && inputs.length > 1) throw new UsageError('read either stdin (-) or files, not both');
  if (useStdin && ctx.stdin.isTTY) throw new UsageError('give input files, or pipe JSON lines to stdin');

  // Resolve inputs before taking the writer lock, so a typo fails fast.
  let total = 0;
  let files: string[] = [];
  if (!useStdin) {
    files = o.format === 'pypi-json' ? await jsonApiFiles(paths) : paths;
    for (const f of files) {
      try {
        total += (await stat(f)).size;
      } catch {
        throw new UsageError(`${f} does not exist`);
      }
    }
  }
  let bar: Progress | undefined;
  const onBytes = (n: number) => bar?.add(n);
  // --strict checks all input before appending any: files are read twice (memory stays flat), so
  // JSON lines on stdin are first copied to a private temporary file.
  const spool = useStdin && o.strict && o.format !== 'pypi-json' ? await spoolStdin(ctx) : undefined;
  let stdinDocument: Buffer | undefined;
  const fingerprints = new Map<string, string>();
  let readings = 0;

  // Input as packed claims keyed for the store (seed): JSON lines are parsed in a worker thread.
  async function* chunks(seed: Uint8Array): AsyncGenerator<ImportChunk> {
    const reading = ++readings;
    const batch = o.batch ?? DEFAULT_BATCH;
    if (o.format === 'pypi-json') {
      if (useStdin) {
        stdinDocument ??= await readStdinDocument(ctx);
        yield* chunksOf(
          (async function* () {
            yield jsonApiItems(stdinDocument, 'stdin');
          })(),
          seed,
          batch,
        );
        return;
      }
      for (const f of files) {
        await unchangedSinceFirstReading(f, reading);
        yield* chunksOf(jsonApiFileItems([f], reading === 1 ? onBytes : undefined), seed, batch);
      }
      return;
    }
    const lines = (input: AsyncIterable<Uint8Array>, name: string, count?: (n: number) => void) =>
      jsonLinesChunks(input, name, seed, { chunkClaims: batch, onBytes: count });
    if (spool) {
      yield* lines(createReadStream(spool.path, { highWaterMark: 1 << 20 }), 'stdin');
      return;
    }
    if (useStdin) {
      yield* lines(ctx.stdin as AsyncIterable<Uint8Array>, 'stdin');
      return;
    }
    for (const f of files) {
      await unchangedSinceFirstReading(f, reading);
      yield* lines(createReadStream(f, { highWaterMark: 1 << 20 }), f, reading === 1 ? onBytes : undefined);
    }
  }

  // A file read a second time must be the one the first reading checked.
  async function unchangedSinceFirstReading(f: string, reading: number): Promise<void> {
    let st;
    try {
      st = await stat(f);
    } catch {
      throw new UsageError(`${f} does not exist`);
    }
    const fp = `${st.size}/${st.mtimeMs}/${st.ino}`;
    if (reading === 1) fingerprints.set(f, fp);
    else if (fingerprints.get(f) !== fp) throw new InputError(`${f} changed while it was imported; nothing more was appended`);
  }

  const problems: ImportProblem[] = [];
  let problemCount = 0;
  const conflicts: { filename: string; source: string; index: number; alertId?: number }[] = [];
  let conflictCount = 0;
  const onProblem = (p: ImportProblem) => {
    problemCount++;
    if (problems.length < MAX_LISTED) {
      problems.push(p);
      if (!o.json) err(ctx, `distsum: ${safeText(p.where)}: ${safeText(p.message)}`);
    }
  };

  const l = await openDataDir(resolveDataDir(o.data, ctx.env, ctx.cwd), { writer: true, now: ctx.now, maxBatch: o.batch, bulk: true });
  let summary;
  try {
    const writer = l.writer!;
    // Wrap append to see each conflict with the claim that caused it.
    const append = async (b: ClaimBatch) => {
      const outcomes = await writer.appendBatch(b);
      for (let k = 0; k < b.count; k++) {
        if (outcomes.status[k] !== CONFLICT) continue;
        conflictCount++;
        if (conflicts.length < MAX_LISTED) {
          conflicts.push({ filename: filenameOf(b, k), source: b.source(k), index: outcomes.index[k], alertId: outcomes.alertIds.get(k) });
        }
      }
      return outcomes;
    };
    bar = startProgress(ctx, 'importing', total, { enabled: o.progress && !o.json, minBytes: 4 << 20 });
    try {
      summary = await runImport(append, () => chunks(writer.keySeed), { strict: o.strict ?? false, batch: o.batch, onProblem });
    } catch (e) {
      // --strict refused the input: machines still get the list of what is wrong.
      if (o.json && problemCount > 0) printJson(ctx, { error: (e as Error).message, malformed: problemCount, problems });
      throw e;
    } finally {
      bar.stop();
    }
  } finally {
    await l.close();
    await spool?.remove();
  }
  const size = l.writer!.size();

  if (o.json) {
    printJson(ctx, {
      ...summary,
      treeSize: size,
      problems: problems.map((p) => ({ where: p.where, message: p.message })),
      conflicts: conflicts.map((c) => ({ filename: c.filename, index: c.index, source: c.source, alertId: c.alertId ?? null })),
    });
  } else {
    for (const c of conflicts) {
      err(ctx, `distsum: hash-changed: ${safeText(c.filename)} is entry ${c.index} with other digests than claimed by ${safeText(c.source)}`);
    }
    if (conflictCount > conflicts.length) err(ctx, `distsum: ... and ${conflictCount - conflicts.length} more conflicts`);
    if (problemCount > problems.length) err(ctx, `distsum: ... and ${problemCount - problems.length} more malformed records`);
    const parts = [`${summary.appended} appended`, `${summary.present} already present`, `${summary.conflicts} conflicts (${summary.alerts} new alerts)`];
    if (summary.malformed > 0) parts.push(`${summary.malformed} malformed skipped`);
    out(ctx, `${parts.join(', ')}; tree size ${size}`);
  }
  if (summary.conflicts > 0) throw new ExitWith(ExitCode.CheckFailed);
  if (summary.malformed > 0) throw new ExitWith(ExitCode.Usage);
}

// The whole of stdin as one saved JSON API document (bounded).
async function readStdinDocument(ctx: CliContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.stdin) {
    size += (c as Uint8Array).length;
    if (size > MAX_JSON_DOCUMENT) throw new InputError(`stdin: the JSON document is larger than ${MAX_JSON_DOCUMENT} bytes`);
    chunks.push(Buffer.from(c as Uint8Array));
  }
  return Buffer.concat(chunks);
}

// Copies stdin to a file only this user can read, in a fresh temporary directory; remove() deletes both.
async function spoolStdin(ctx: CliContext): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'distsum-import-'));
  const path = join(dir, 'stdin.jsonl');
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(ctx.stdin, createWriteStream(path, { mode: 0o600 }));
  } catch (e) {
    await remove();
    throw new UsageError(`cannot keep stdin in ${dir} for --strict: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { path, remove };
}
