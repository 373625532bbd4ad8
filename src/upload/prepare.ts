// From command-line arguments to files ready to upload: expand directories and patterns, sort out
// signatures and attestations, read each distribution's metadata, and build its form. Everything here
// happens before the first byte goes to the index, so bad input stops the run early.

import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors.ts';
import { readRequired } from '../readbounded.ts';
import { findDistFiles, inspectDist, type DistInfo } from '../dist/inspect.ts';
import type { Digests } from '../digest/index.ts';
import { uploadForm } from './form.ts';
import { attestationsField, attestationsFor, MAX_ATTESTATION_BYTES, type SplitInputs } from './inputs.ts';
import type { PreparedUpload } from './upload.ts';

/** Files distsum itself writes next to distributions; never uploaded (twine would reject them too). */
const OWN_OUTPUT = /\.hashes\.txt(\.sig)?$/;
const GLOB_CHARS = /[*?[]/;

/**
 * Expands arguments as twine does (an existing path is taken as is, otherwise it is a glob pattern,
 * which must match something), and a directory into its distribution files plus the `.asc` and
 * `.attestation` files beside them. Returns paths resolved against `cwd`, in argument order, and the
 * files skipped because distsum wrote them (manifests and their signatures).
 */
export async function expandArguments(args: string[], cwd: string): Promise<{ paths: string[]; skipped: string[] }> {
  const paths: string[] = [];
  const skipped: string[] = [];
  const add = (p: string) => (OWN_OUTPUT.test(basename(p)) ? skipped.push(p) : paths.push(p));
  for (const arg of args) {
    const p = resolve(cwd, arg);
    const st = await stat(p).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? undefined : Promise.reject(e)));
    if (st?.isDirectory()) {
      for (const d of await findDistFiles([p])) add(d);
      for (const n of (await readdir(p)).sort()) if (n.endsWith('.asc') || n.endsWith('.attestation')) add(join(p, n));
      continue;
    }
    if (st) {
      add(p);
      continue;
    }
    const matches = GLOB_CHARS.test(basename(arg)) && !GLOB_CHARS.test(dirname(arg)) ? await globBasename(p) : [];
    if (matches.length === 0) throw new UsageError(`cannot find file (or expand pattern): ${arg}`);
    for (const m of matches) add(m);
  }
  return { paths, skipped };
}

/** Files in `dirname(pattern)` whose names match the shell pattern `basename(pattern)` (`*`, `?`, `[...]`). */
async function globBasename(pattern: string): Promise<string[]> {
  const dir = dirname(pattern);
  const re = globToRegExp(basename(pattern));
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith('.') && re.test(n)).sort().map((n) => join(dir, n));
}

/**
 * A shell glob for one path component as an anchored RegExp, by Python's fnmatch rules: `*`, `?`,
 * `[...]` with `!` negation, a `]` first in the class taken literally, reversed ranges dropped, an
 * unclosed `[` literal.
 */
export function globToRegExp(glob: string): RegExp {
  const esc = (c: string) => c.replace(/[\\^$.*+?()[\]{}|\/-]/g, '\\$&');
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^]*';
    else if (c === '?') re += '[^]';
    else if (c === '[') {
      let j = i + 1;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      const end = glob.indexOf(']', j);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      i = end;
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      const items: string[] = [];
      for (let k = 0; k < body.length; ) {
        // A "-" between two characters is a range (dropped when reversed); anywhere else it is literal.
        if (body[k + 1] === '-' && k + 2 < body.length) {
          if (body[k] <= body[k + 2]) items.push(`${esc(body[k])}-${esc(body[k + 2])}`);
          k += 3;
        } else {
          items.push(esc(body[k]));
          k++;
        }
      }
      if (items.length === 0) re += negate ? '[^]' : '(?!)';
      else re += `[${negate ? '^' : ''}${items.join('')}]`;
    } else re += esc(c);
  }
  return new RegExp(`^${re}$`);
}

/** One distribution ready to upload, with what the table and manifest need. */
export interface PlannedFile {
  info: DistInfo;
  /** The `.asc` signature uploaded with it, if one was given. */
  signature?: string;
  /** Attestation files uploaded with it (only with --attestations). */
  attestations: string[];
}

/** Largest `.asc` signature accepted (warehouse takes 8 KiB). */
export const MAX_SIGNATURE_BYTES = 64 * 1024;

/**
 * Reads every distribution's metadata (checking its name against its metadata), pairs it with its
 * signature and, when `withAttestations`, its attestations (one is required per file, as twine
 * requires). Two distributions with the same file name are an error: an index keeps one per name.
 */
export async function planUploads(split: SplitInputs, withAttestations: boolean): Promise<PlannedFile[]> {
  if (split.dists.length === 0) {
    throw new UsageError(split.signatures.size > 0 ? 'signature files cannot be uploaded by themselves; name their distribution files too' : 'no distribution files to upload');
  }
  const byName = new Map<string, string>();
  for (const d of split.dists) {
    const n = basename(d);
    if (byName.has(n)) throw new UsageError(`two files are named ${n}: ${byName.get(n)} and ${d}`);
    byName.set(n, d);
  }
  for (const d of split.dists) await findDistFiles([d]);
  const infos = await Promise.all(split.dists.map((d) => inspectDist(d)));
  const planned: PlannedFile[] = [];
  for (const info of infos) {
    const p: PlannedFile = { info, attestations: [] };
    const sig = split.signatures.get(`${info.filename}.asc`);
    if (sig) p.signature = sig;
    if (withAttestations) {
      const siblings = await readdir(dirname(info.path)).catch(() => [] as string[]);
      p.attestations = attestationsFor(info.path, split.attestations, siblings);
      if (p.attestations.length === 0) {
        throw new UsageError(`--attestations was given, but ${info.filename} has no attestation (${info.filename}.<kind>.attestation)`);
      }
    }
    planned.push(p);
  }
  return planned;
}

/** Builds the upload (form and file reference) of a planned file once its digests are known. */
export async function prepareUpload(p: PlannedFile, digests: Digests, opts: { comment?: string }): Promise<PreparedUpload> {
  const gpgSignature = p.signature ? { filename: basename(p.signature), data: await readAttachment(p.signature, MAX_SIGNATURE_BYTES, 'signature') } : undefined;
  const attestations = p.attestations.length ? await attestationsField(p.attestations, (f) => readAttachment(f, MAX_ATTESTATION_BYTES, 'attestation')) : undefined;
  const form = uploadForm(p.info.metadata, {
    filename: p.info.filename,
    sha256: digests.sha256,
    blake2b_256: digests.blake2b_256,
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
    ...(gpgSignature ? { gpgSignature } : {}),
    ...(attestations !== undefined ? { attestations } : {}),
  });
  return {
    path: p.info.path,
    filename: p.info.filename,
    size: digests.size,
    project: p.info.normalizedName,
    version: p.info.version,
    sha256: digests.sha256,
    form,
  };
}

// A signature or attestation file given on the command line: it must exist and be small.
function readAttachment(path: string, max: number, what: string): Promise<Uint8Array> {
  return readRequired(path, max, { what, tooLarge: (p, m) => new InputError(`${p}: ${what} larger than ${m} bytes`) });
}

