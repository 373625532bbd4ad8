// `distsum manifest verify`: check a release manifest's signature and the downloaded files against it.

import type { Command } from 'commander';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { CliContext } from './context.ts';
import { out } from './context.ts';
import { ExitCode, ExitWith, UsageError, CheckError, errorMessage } from '../errors.ts';
import { parseManifest, MAX_MANIFEST_BYTES, type Manifest, type ManifestFile } from '../manifest/manifest.ts';
import { verifySshsig, findPrincipals, formatGoodSignature, type VerifiedSignature } from '../manifest/verify.ts';
import { MAX_SSHSIG_TEXT, DISTSUM_NAMESPACE } from '../manifest/sshsig.ts';
import { MAX_ALLOWED_SIGNERS_TEXT } from '../manifest/allowed-signers.ts';
import { digestFiles, type Digests } from '../digest/index.ts';
import { isDistFilename, parseDistFilename, normalizeProjectName, versionsEqual } from '../dist/filename.ts';
import { readRequired } from '../readbounded.ts';
import { printJson, renderTable, safeText } from './format.ts';

/** The verdict for one file. */
export type FileStatus = 'ok' | 'MISMATCH' | 'missing' | 'not-in-manifest';

/** One row of the report. */
export interface FileCheck {
  filename: string;
  status: FileStatus;
  /** What differed, for MISMATCH. */
  detail?: string;
}

/** Compares computed digests with a manifest line; returns what differs, or undefined when all agree. */
export function compareDigests(expected: ManifestFile, actual: Digests): string | undefined {
  const diffs: string[] = [];
  if (expected.size !== undefined && expected.size !== actual.size) diffs.push(`size ${actual.size}, manifest says ${expected.size}`);
  if (expected.sha256 !== actual.sha256) diffs.push(`sha256 ${actual.sha256}, manifest says ${expected.sha256}`);
  if (expected.blake2b_256 !== actual.blake2b_256) diffs.push(`blake2b-256 ${actual.blake2b_256}, manifest says ${expected.blake2b_256}`);
  if (expected.md5 !== undefined && actual.md5 !== undefined && expected.md5 !== actual.md5) diffs.push(`md5 ${actual.md5}, manifest says ${expected.md5}`);
  return diffs.length ? diffs.join('; ') : undefined;
}

/**
 * Checks the distribution files in `dir` against `manifest`. Listed files that are absent are `missing`
 * (a consumer often downloads one wheel of many: not a failure); a file of the same project and version
 * that the manifest does not list is `not-in-manifest` (the index serves something the publisher did not
 * release: a failure).
 */
export async function checkDirectory(manifest: Manifest, dir: string): Promise<FileCheck[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new UsageError(`cannot read directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  }
  const present = new Set(names);
  const listed = new Map(manifest.files.map((f) => [f.filename, f]));
  const toHash = manifest.files.filter((f) => present.has(f.filename));
  const digests = await digestFiles(
    toHash.map((f) => join(dir, f.filename)),
    { md5: toHash.some((f) => f.md5 !== undefined) },
  );
  const checks: FileCheck[] = [];
  toHash.forEach((f, i) => {
    const detail = compareDigests(f, digests[i]);
    checks.push(detail ? { filename: f.filename, status: 'MISMATCH', detail } : { filename: f.filename, status: 'ok' });
  });
  for (const f of manifest.files) if (!present.has(f.filename)) checks.push({ filename: f.filename, status: 'missing' });
  const project = normalizeProjectName(manifest.project);
  for (const name of names.sort()) {
    if (listed.has(name) || !isDistFilename(name)) continue;
    const parsed = parseDistFilename(name);
    if (parsed.normalizedName === project && versionsEqual(parsed.version, manifest.version)) {
      checks.push({ filename: name, status: 'not-in-manifest', detail: `${manifest.project} ${manifest.version} has no such file in the manifest` });
    }
  }
  return checks;
}

interface VerifyOptions {
  signers?: string;
  identity?: string;
  signature?: string;
  dir?: string;
  files: boolean;
  json?: boolean;
}

/** Registers `distsum manifest` and its `verify` subcommand. */
export function registerManifest(program: Command, ctx: CliContext): void {
  const manifest = program.command('manifest').summary('work with release manifests');
  manifest
    .command('verify')
    .summary("check a manifest's signature and files against it")
    .description(
      'Check the SSH signature of a release manifest against an OpenSSH allowed_signers file (when --signers\n' +
        'is given), then the distribution files in DIR (default: the manifest\'s directory) against it.\n' +
        'Exit 1 when a signature or a file does not match; files the manifest lists but DIR lacks are reported\n' +
        'as missing and are not a failure.',
    )
    .argument('<manifest>', 'the release manifest (<name>-<version>.hashes.txt)')
    .option('--signers <file>', 'OpenSSH allowed_signers file; checks <manifest>.sig')
    .option('-I, --identity <principal>', 'the signer identity required (default: any principal listed for the key)')
    .option('-s, --signature <file>', 'the signature file (default: <manifest>.sig)')
    .option('-d, --dir <dir>', 'directory holding the downloaded files (default: the manifest\'s directory)')
    .option('--no-files', 'check only the signature')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  distsum manifest verify example_pkg-1.2.0.hashes.txt --dir downloads/
  distsum manifest verify example_pkg-1.2.0.hashes.txt --signers allowed_signers -I maintainer@example.org --dir downloads/

allowed_signers has one line per key: "<principal> <key type> <base64 key>"
(ssh-keygen ALLOWED SIGNERS).`,
    )
    .action(async (manifestPath: string, opts: VerifyOptions) => {
      await runVerify(ctx, manifestPath, opts);
    });
}

async function runVerify(ctx: CliContext, manifestArg: string, o: VerifyOptions): Promise<void> {
  if (o.identity && !o.signers) throw new UsageError('--identity needs --signers (the allowed_signers file)');
  const path = resolve(ctx.cwd, manifestArg);
  const bytes = await readRequired(path, MAX_MANIFEST_BYTES, { what: 'manifest' });

  let signature: { ok: true; result: VerifiedSignature } | { ok: false; error: string } | undefined;
  if (o.signers) {
    const sigPath = resolve(ctx.cwd, o.signature ?? `${manifestArg}.sig`);
    const sigText = Buffer.from(await readRequired(sigPath, MAX_SSHSIG_TEXT, { what: 'signature' })).toString('utf8');
    const allowed = Buffer.from(await readRequired(resolve(ctx.cwd, o.signers), MAX_ALLOWED_SIGNERS_TEXT, { what: 'allowed signers file' })).toString('utf8');
    try {
      const now = ctx.now();
      // Without -I, accept any principal the allowed_signers file lists for the signing key.
      const identities = o.identity ? [o.identity] : findPrincipals({ signature: sigText, allowedSigners: allowed, now, signatureName: basename(sigPath) });
      let lastError: unknown;
      for (const identity of identities) {
        try {
          const result = verifySshsig({
            message: bytes,
            signature: sigText,
            allowedSigners: allowed,
            identity,
            namespace: DISTSUM_NAMESPACE,
            now,
            signatureName: basename(sigPath),
            messageName: basename(path),
          });
          signature = { ok: true, result };
          break;
        } catch (e) {
          lastError = e;
        }
      }
      if (!signature) throw lastError;
    } catch (e) {
      if (!(e instanceof CheckError)) throw e;
      signature = { ok: false, error: e.message };
    }
  }

  if (signature && !signature.ok) {
    // A manifest whose signature fails is not read at all: its content is not the publisher's.
    if (o.json) printJson(ctx, { ok: false, manifest: path, signature: { ok: false, error: signature.error }, files: [] });
    else ctx.stderr.write(`distsum: ${signature.error}\n`);
    throw new ExitWith(ExitCode.CheckFailed);
  }
  const manifest = parseManifest(Buffer.from(bytes).toString('utf8'));
  const checks = o.files ? await checkDirectory(manifest, o.dir ? resolve(ctx.cwd, o.dir) : dirname(path)) : [];
  const failed = checks.filter((c) => c.status === 'MISMATCH' || c.status === 'not-in-manifest');
  const checked = checks.filter((c) => c.status === 'ok' || c.status === 'MISMATCH');
  const noneThere = o.files && checked.length === 0;
  const ok = failed.length === 0 && !noneThere;

  if (o.json) {
    printJson(ctx, {
      ok,
      manifest: path,
      project: manifest.project,
      version: manifest.version,
      signature: signature
        ? { ok: true, principal: signature.result.principal, key_type: signature.result.keyType, fingerprint: signature.result.fingerprint }
        : null,
      files: checks.map((c) => ({ filename: c.filename, status: c.status, ...(c.detail ? { detail: c.detail } : {}) })),
    });
  } else {
    if (signature) out(ctx, formatGoodSignature(signature.result));
    if (checks.length) ctx.stdout.write(renderTable(['FILE', 'STATUS'], checks.map((c) => [safeText(c.filename), c.status])));
    for (const c of failed) ctx.stderr.write(`distsum: ${safeText(c.filename)}: ${c.status}: ${c.detail}\n`);
    if (noneThere) ctx.stderr.write(`distsum: none of the ${manifest.files.length} files of the manifest are in ${o.dir ?? dirname(manifestArg)}\n`);
    if (ok) {
      const n = checked.length;
      out(ctx, `${manifest.project} ${manifest.version}: ${o.files ? `${n} file${n === 1 ? '' : 's'} ok` : 'signature ok'}` + (checks.length > n ? `, ${checks.length - n} not downloaded` : ''));
    }
  }
  if (!ok) throw new ExitWith(ExitCode.CheckFailed);
}
