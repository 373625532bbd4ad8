// C2SP tlog-checkpoint: the note text a log signs to commit to its tree (origin, size, root hash,
// optional extension lines), plus opening a signed checkpoint under a log key.

import { HASH_SIZE } from './hash.ts';
import type { Hash } from './hash.ts';
import { MAX_TREE_SIZE } from './stored.ts';
import { MAX_NOTE_SIZE, decodeBase64Strict, encodeBase64, openNote } from './note.ts';
import type { NoteSig, Verifier } from './note.ts';
import { CheckpointError, UnverifiedNoteError } from './errors.ts';

/**
 * A log's signed tree head. origin is non-empty; size is an integer 0..MAX_TREE_SIZE; hash is the
 * 32-byte RFC 6962 root of the first `size` records; extensions are non-empty opaque lines.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  hash: Hash;
  extensions: string[];
}

const CONTROL_RE = /[\u0000-\u001f]/;
const SIZE_RE = /^(?:0|[1-9][0-9]{0,15})$/;

function checkLine(what: string, line: string): void {
  if (line.length === 0) throw new CheckpointError(`tlog: checkpoint ${what} is empty`);
  if (CONTROL_RE.test(line)) throw new CheckpointError(`tlog: checkpoint ${what} contains a control character`);
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(line)) {
    throw new CheckpointError(`tlog: checkpoint ${what} is not valid Unicode`);
  }
}

/**
 * The checkpoint note text: "<origin>\n<size>\n<base64 hash>\n" then one line per extension.
 * Throws CheckpointError when a field is invalid (so the output always parses back to `c`).
 */
export function formatCheckpoint(c: Checkpoint): string {
  checkLine('origin', c.origin);
  if (!Number.isSafeInteger(c.size) || c.size < 0 || c.size > MAX_TREE_SIZE) {
    throw new CheckpointError(`tlog: checkpoint size ${String(c.size)} is not an integer in 0..${MAX_TREE_SIZE}`);
  }
  if (!(c.hash instanceof Uint8Array) || c.hash.length !== HASH_SIZE) {
    throw new CheckpointError(`tlog: checkpoint hash must be ${HASH_SIZE} bytes`);
  }
  c.extensions.forEach((e, i) => checkLine(`extension line ${i + 1}`, e));
  return [c.origin, String(c.size), encodeBase64(c.hash), ...c.extensions].join('\n') + '\n';
}

/**
 * Parses checkpoint note text strictly: at least three newline-terminated lines, non-empty origin,
 * size in decimal without leading zeros, canonical base64 of a 32-byte hash, non-empty extension
 * lines, no control characters, at most 1 MiB. Throws CheckpointError naming the bad line.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || text.length > MAX_NOTE_SIZE) throw new CheckpointError('tlog: checkpoint is too large');
  if (!text.endsWith('\n')) throw new CheckpointError('tlog: checkpoint must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointError('tlog: checkpoint needs origin, size and root hash lines');
  const [origin, sizeLine, hashLine, ...extensions] = lines;
  checkLine('origin', origin);
  if (!SIZE_RE.test(sizeLine)) throw new CheckpointError('tlog: checkpoint size is not a decimal number without leading zeros');
  const size = Number(sizeLine);
  if (size > MAX_TREE_SIZE) throw new CheckpointError(`tlog: checkpoint size ${sizeLine} exceeds ${MAX_TREE_SIZE}`);
  const hash = decodeBase64Strict(hashLine);
  if (hash === undefined || hash.length !== HASH_SIZE) {
    throw new CheckpointError('tlog: checkpoint root hash is not base64 of 32 bytes');
  }
  extensions.forEach((e, i) => checkLine(`extension line ${i + 1}`, e));
  return { origin, size, hash, extensions };
}

/**
 * Opens a signed checkpoint: the note must carry a valid signature from `log` (the log's key) and
 * its origin must equal `origin`; `witnesses` are also verified when present (a bad signature from
 * any of them rejects the note). Returns the checkpoint, its note text and the signature sets.
 * Throws the openNote errors, UnverifiedNoteError when the log's own signature is missing, and
 * CheckpointError for a malformed body or another origin.
 */
export function openCheckpoint(
  msg: Uint8Array,
  origin: string,
  log: Verifier,
  witnesses: Verifier[] = [],
): { checkpoint: Checkpoint; text: string; sigs: NoteSig[]; unverifiedSigs: NoteSig[] } {
  const note = openNote(msg, [log, ...witnesses]);
  if (!note.sigs.some((s) => s.name === log.name && s.keyId === log.keyId)) {
    throw new UnverifiedNoteError(`tlog: checkpoint is not signed by the log key ${log.name}`);
  }
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== origin) {
    throw new CheckpointError(`tlog: checkpoint origin ${JSON.stringify(checkpoint.origin)} is not the expected ${JSON.stringify(origin)}`);
  }
  return { checkpoint, ...note };
}
