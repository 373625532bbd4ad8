// Sorting the files named on the command line the way twine does: distributions to upload, `.asc`
// GPG signatures that go with them, and PEP 740 `<dist>.<kind>.attestation` files.

import { basename, dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors.ts';

/** The command line's files, grouped. */
export interface SplitInputs {
  /** Distribution files, wheels first (twine uploads wheels before sdists), otherwise in given order. */
  dists: string[];
  /** `.asc` signature path by its base name (`<dist file name>.asc`). */
  signatures: Map<string, string>;
  /** Attestation files that were named on the command line. */
  attestations: string[];
}

/** True for a PEP 740 attestation file name: at least `<x>.<kind>.attestation`. */
export function isAttestationName(name: string): boolean {
  return /\.[^./]+\.attestation$/.test(name) && name.split('.').length >= 3;
}

/**
 * Splits the expanded input list: `*.asc` are signatures (two with the same base name are an error, as
 * twine makes it), `*.*.attestation` are attestations, the rest are distributions (wheels moved first,
 * duplicates by path dropped).
 */
export function splitInputs(paths: string[]): SplitInputs {
  const signatures = new Map<string, string>();
  const attestations: string[] = [];
  const dists: string[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    if (seen.has(p)) continue;
    seen.add(p);
    const name = basename(p);
    if (name.endsWith('.asc')) {
      if (signatures.has(name)) throw new UsageError(`two signature files are named ${name}: ${signatures.get(name)} and ${p}`);
      signatures.set(name, p);
    } else if (isAttestationName(name)) {
      attestations.push(p);
    } else {
      dists.push(p);
    }
  }
  const wheelsFirst = [...dists.filter((d) => d.endsWith('.whl')), ...dists.filter((d) => !d.endsWith('.whl'))];
  return { dists: wheelsFirst, signatures, attestations };
}

/**
 * The attestations of one distribution: named files whose base name extends the distribution's
 * (`<dist name>.<kind>.attestation`, twine's rule), plus such files found beside it in `siblings`
 * (the names in the distribution's directory). Sorted, no duplicates.
 */
export function attestationsFor(dist: string, named: string[], siblings: string[]): string[] {
  const base = basename(dist);
  const matches = (name: string) => name.startsWith(`${base}.`) && isAttestationName(name);
  const found = new Map<string, string>();
  for (const a of named) if (matches(basename(a))) found.set(resolve(a), a);
  const dir = dirname(dist);
  for (const s of siblings) {
    const p = join(dir, s);
    if (matches(s) && !found.has(resolve(p))) found.set(resolve(p), p);
  }
  return [...found.values()].sort();
}

/** Largest attestation file read: each is a small JSON document (a Sigstore bundle is a few KiB). */
export const MAX_ATTESTATION_BYTES = 1 << 20;
/** Most attestations accepted for one distribution (PyPI takes one publish attestation today). */
export const MAX_ATTESTATIONS_PER_FILE = 16;

/**
 * The `attestations` form value: the parsed attestation documents as a JSON list, as twine sends them.
 * Each must be a JSON object; `read` returns a file's bytes. Errors name the file.
 */
export async function attestationsField(files: string[], read: (path: string) => Promise<Uint8Array>): Promise<string> {
  if (files.length > MAX_ATTESTATIONS_PER_FILE) {
    throw new InputError(`${files.length} attestations for one file; at most ${MAX_ATTESTATIONS_PER_FILE} are accepted`);
  }
  const docs: unknown[] = [];
  for (const f of files) {
    const bytes = await read(f);
    if (bytes.length > MAX_ATTESTATION_BYTES) throw new InputError(`${f}: attestation larger than ${MAX_ATTESTATION_BYTES} bytes`);
    let doc: unknown;
    try {
      doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new InputError(`${f}: invalid JSON in attestation`);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${f}: an attestation must be a JSON object`);
    docs.push(doc);
  }
  return JSON.stringify(docs);
}
