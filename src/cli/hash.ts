// `distsum hash`: digest a release's distribution files, print them, write the release manifest.

import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { CliContext } from './context.ts';
import { out } from './context.ts';
import { findDistFiles, inspectDist } from '../dist/inspect.ts';
import { digestFiles } from '../digest/index.ts';
import { fileReadError } from '../digest/file.ts';
import { UsageError } from '../errors.ts';
import { startProgress } from './progress.ts';
import { filesJson, hashTable, writeManifests, type HashedFile, type WrittenManifest } from './release.ts';
import { manifestSigner } from './signing.ts';
import { printJson } from './format.ts';
import { parsePositiveInt } from './options.ts';
import { mapLimit } from '../concurrency.ts';

interface HashOptions {
  md5?: boolean;
  manifest?: string;
  manifestDir?: string;
  writeManifest: boolean;
  sign?: string;
  json?: boolean;
  progress: boolean;
  jobs?: number;
}

/** Registers `distsum hash`. */
export function registerHash(program: Command, ctx: CliContext): void {
  program
    .command('hash')
    .summary('digest distribution files and write the release manifest')
    .description(
      'Digest every distribution file (wheels, sdists) with sha256 and blake2b-256, check that each file\n' +
        "name agrees with the metadata inside it, print the digests, and write the release manifest\n" +
        '<name>-<version>.hashes.txt next to the files: publish it where you control the content.',
    )
    .argument('[paths...]', 'distribution files or directories of them', ['dist'])
    .option('--md5', 'also compute md5 (legacy indexes)')
    .option('--manifest <path>', 'write the manifest to this path (one release only)')
    .option('--manifest-dir <dir>', 'write manifests to this directory (allows several projects)')
    .option('--no-manifest', 'only print the digests')
    .option('--sign <key>', 'sign the manifest with this SSH private key (or .pub of a key in ssh-agent)')
    .option('--json', 'print JSON instead of a table')
    .option('--no-progress', 'never show a progress bar')
    .option('-j, --jobs <n>', 'files hashed at once (default: number of cores)', parsePositiveInt)
    .addHelpText(
      'after',
      `
Examples:
  distsum hash                              # everything in dist/
  distsum hash dist/*.whl --sign ~/.ssh/id_ed25519
  distsum hash wheelhouse/ --manifest-dir manifests/ --json`,
    )
    .action(async (paths: string[], opts: Omit<HashOptions, 'writeManifest' | 'manifest'> & { manifest?: string | boolean }) => {
      const o: HashOptions = {
        ...opts,
        manifest: typeof opts.manifest === 'string' ? opts.manifest : undefined,
        writeManifest: opts.manifest !== false,
      };
      await runHash(ctx, paths, o);
    });
}

async function runHash(ctx: CliContext, paths: string[], o: HashOptions): Promise<void> {
  if (o.manifest && o.manifestDir) throw new UsageError('give --manifest or --manifest-dir, not both');
  if (!o.writeManifest && o.sign) throw new UsageError('--sign signs the manifest, so it cannot be used with --no-manifest');
  const files = await findDistFiles(paths.map((p) => resolveFrom(ctx, p)));
  if (files.length === 0) throw new UsageError(`no distribution files (.whl, .tar.gz, .zip) in ${paths.join(', ')}`);

  const sign = o.sign ? await manifestSigner(ctx, o.sign) : undefined;

  // Metadata is read while the workers hash: reading it costs about as much as a tenth of the hashing.
  // A hostile or mislabelled archive stops the hashing at once.
  const sizes = files.map((f) => {
    try {
      return statSync(f).size;
    } catch (e) {
      throw fileReadError(f, e);
    }
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  const bar = startProgress(ctx, 'hashing', total, { enabled: o.progress && !o.json });
  const abort = new AbortController();
  const digesting = digestFiles(files, { md5: o.md5, concurrency: o.jobs, onBytes: (n) => bar.add(n), signal: abort.signal, sizes });
  digesting.catch(() => {}); // awaited below; an inspection error may come first
  let infos;
  let digests;
  try {
    infos = await mapLimit(files, 8, (f) => inspectDist(f));
    digests = await digesting;
  } catch (e) {
    abort.abort(e);
    throw e;
  } finally {
    bar.stop();
  }
  const hashed: HashedFile[] = infos.map((info, i) => ({
    path: files[i],
    filename: info.filename,
    project: info.name,
    normalizedName: info.normalizedName,
    version: info.version,
    digests: digests[i],
  }));

  const written: WrittenManifest[] = o.writeManifest
    ? await writeManifests(hashed, {
        manifest: o.manifest ? resolveFrom(ctx, o.manifest) : undefined,
        manifestDir: o.manifestDir ? resolveFrom(ctx, o.manifestDir) : undefined,
        md5: o.md5,
        created: ctx.now(),
        sign,
      })
    : [];

  if (o.json) {
    printJson(ctx, {
      files: filesJson(hashed),
      manifests: written.map((m) => ({ path: m.path, project: m.project, version: m.version, files: m.files, signature: m.signature ?? null })),
    });
    return;
  }
  ctx.stdout.write(hashTable(hashed, { md5: o.md5 }));
  if (written.length > 0) out(ctx);
  for (const m of written) {
    out(ctx, `Wrote ${display(ctx, m.path)} (${m.files.length} file${m.files.length === 1 ? '' : 's'} of ${m.project} ${m.version})`);
    if (m.signature) out(ctx, `Signed ${display(ctx, m.signature)}`);
  }
  if (written.length > 0) {
    const m = written[0];
    const filesDir = dirname(hashed.find((f) => f.filename === m.files[0])!.path);
    const check = dirname(m.path) === filesDir ? `cksum -c ${display(ctx, m.path)}` : `(cd ${display(ctx, filesDir)} && cksum -c ${m.path})`;
    out(ctx);
    out(ctx, 'Publish the manifest' + (m.signature ? ' and its signature' : '') + ' where you control the content: your repository, a release page, a git tag.');
    out(ctx, `Anyone can check the files with: ${check}`);
    if (m.signature) out(ctx, `and the signature with: ssh-keygen -Y verify -f allowed_signers -I <you> -n distsum -s ${display(ctx, m.signature)} < ${display(ctx, m.path)}`);
  }
}

function resolveFrom(ctx: CliContext, p: string): string {
  return resolve(ctx.cwd, p);
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function display(ctx: CliContext, p: string): string {
  const r = relative(ctx.cwd, p);
  return r && !r.startsWith('..') && !r.startsWith('/') ? r : p;
}
