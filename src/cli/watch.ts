// `distsum watch add|list|remove`: register where a project's release manifests live (and who may
// sign them), so the log's follower checks every new release of it against its manifest.

import type { Command } from 'commander';
import { Option } from 'commander';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliContext } from './context.ts';
import { err, out } from './context.ts';
import { printJson, renderTable, safeText } from './format.ts';
import { UsageError } from '../errors.ts';
import { resolveDataDir } from '../config/paths.ts';
import { normalizeProjectName, projectNameProblem } from '../index/names.ts';
import { MAX_ALLOWED_SIGNERS_TEXT } from '../manifest/allowed-signers.ts';
import { loadWatches, newWatch, saveWatches, watchesPath, withWatch, type Watch } from '../monitor/watches.ts';

const dataOption = () => new Option('--data <dir>', 'log data directory (default: $DISTSUM_DATA or ./distsum-data)');

// A watch as JSON output: the signers file's name, not its contents.
function watchJson(w: Watch): Record<string, unknown> {
  return { project: w.project, manifest: w.manifest, identity: w.identity ?? null, signers_file: w.signersFile ?? null, signed: w.signers !== undefined, added: w.added, all_versions: w.allVersions ?? false };
}

function readSigners(ctx: CliContext, file: string): { text: string; file: string } {
  const path = resolve(ctx.cwd, file);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`--signers: ${path} does not exist`);
  }
  if (size > MAX_ALLOWED_SIGNERS_TEXT) throw new UsageError(`--signers: ${path} is larger than ${MAX_ALLOWED_SIGNERS_TEXT} bytes`);
  return { text: readFileSync(path, 'utf8'), file: path };
}

/** Registers `distsum watch` and its subcommands. */
export function registerWatch(program: Command, ctx: CliContext): void {
  const watch = program
    .command('watch')
    .summary("check a project's releases against its publisher's manifests")
    .description(
      "A watch tells the log's follower (distsum log follow) where a project's release manifests are published, outside the index: " +
        'a URL template with {version} (and {name}: the PEP 625 name as in manifest file names, {project}: the normalized name); https, file://, or http to localhost. ' +
        'With --signers and --identity the manifest must carry a valid SSH signature (<manifest>.sig) by a key allowed_signers lists for the identity.\n\n' +
        'For every release first seen after the watch was added (every release with --all-versions), the follower raises not-in-manifest, manifest-mismatch, ' +
        "manifest-unverified, manifest-invalid or manifest-missing alerts. Watches live in <data>/watches.json; changes take effect at the follower's next round.",
    );

  watch
    .command('add')
    .summary('watch a project (replaces an earlier watch of it)')
    .argument('<project>', 'project name')
    .requiredOption('--manifest <template>', 'manifest URL template, e.g. https://example.com/releases/{version}/{name}-{version}.hashes.txt')
    .option('--signers <file>', 'allowed_signers file whose keys may sign the manifests (copied into the watch)')
    .option('--identity <principal>', 'the identity the signature must be allowed for (ssh-keygen -Y verify -I)')
    .option('--all-versions', 'also check releases the follower saw before the watch was added')
    .addOption(dataOption())
    .option('--json', 'print the watch as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  distsum watch add mypkg --manifest "https://github.com/me/mypkg/releases/download/v{version}/{name}-{version}.hashes.txt" \\\n' +
        '      --signers allowed_signers --identity me@example.com\n' +
        '  distsum watch add mypkg --manifest "file:///srv/manifests/{name}-{version}.hashes.txt"',
    )
    .action((project: string, o: { manifest: string; signers?: string; identity?: string; allVersions?: boolean; data?: string; json?: boolean }) => {
      const dir = resolveDataDir(o.data, ctx.env, ctx.cwd);
      const w = newWatch({
        project,
        manifest: o.manifest,
        signers: o.signers !== undefined ? readSigners(ctx, o.signers) : undefined,
        identity: o.identity,
        allVersions: o.allVersions,
        now: ctx.now(),
      });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      saveWatches(dir, withWatch(loadWatches(dir), w));
      if (o.json) printJson(ctx, watchJson(w));
      else out(ctx, `watching ${w.project}: manifests at ${safeText(w.manifest)}${w.identity ? `, signed by ${safeText(w.identity)}` : ' (unsigned)'}`);
    });

  watch
    .command('list')
    .summary('list the watches')
    .addOption(dataOption())
    .option('--json', 'print the watches as JSON')
    .action((o: { data?: string; json?: boolean }) => {
      const ws = loadWatches(resolveDataDir(o.data, ctx.env, ctx.cwd));
      if (o.json) {
        printJson(ctx, { watches: ws.map(watchJson) });
        return;
      }
      if (ws.length === 0) {
        out(ctx, 'no watches');
        return;
      }
      ctx.stdout.write(renderTable(['PROJECT', 'SIGNED BY', 'ADDED', 'MANIFEST'], ws.map((w) => [w.project, safeText(w.identity ?? '-'), w.added, safeText(w.manifest)])));
    });

  watch
    .command('remove')
    .summary('stop watching a project')
    .argument('<project>', 'project name')
    .addOption(dataOption())
    .action((project: string, o: { data?: string }) => {
      const problem = projectNameProblem(project);
      if (problem) throw new UsageError(problem);
      const name = normalizeProjectName(project);
      const dir = resolveDataDir(o.data, ctx.env, ctx.cwd);
      const ws = loadWatches(dir);
      if (!ws.some((w) => w.project === name)) throw new UsageError(`${name} is not watched (see distsum watch list; watches are in ${watchesPath(dir)})`);
      saveWatches(dir, ws.filter((w) => w.project !== name));
      err(ctx, `distsum: no longer watching ${name}`);
    });
}
