// Typed errors for the transparency-log library. Each names what failed in one line; the exit code
// says whether the input was merely unusable (2), a check failed (1) or the log misbehaved (3).

import { DistsumError, ExitCode, InputError, SecurityError } from '../errors.ts';

/** A proof does not verify against the claimed root(s): the log or the proof is lying. Exit 3. */
export class ProofError extends SecurityError {}

/** A tile path, tile or entry bundle is malformed or does not fit the tree. Exit 2. */
export class TileError extends InputError {}

/** A tile does not hash up to the signed root: the server sent forged data. Exit 3. */
export class TileAuthError extends SecurityError {}

/** A hash the caller asked for is not available (not stored, or outside the tree). Exit 2. */
export class MissingHashError extends InputError {}

/** Base of every signed-note failure, so callers can catch them all at once. */
export class NoteError extends DistsumError {
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, exitCode, options);
  }
}

/** The note is not a well-formed C2SP signed note (encoding, structure, limits). Exit 2. */
export class MalformedNoteError extends NoteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

/** No signature on the note comes from a key the caller trusts. Exit 1. */
export class UnverifiedNoteError extends NoteError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.CheckFailed, options);
  }
}

/** A signature from a trusted key does not verify: the note was altered or forged. Exit 3. */
export class InvalidSignatureError extends NoteError {
  /** The verifier key name whose signature failed. */
  readonly keyName: string;
  /** The key ID of that verifier. */
  readonly keyId: number;
  constructor(message: string, keyName: string, keyId: number, options?: { cause?: unknown }) {
    super(message, ExitCode.Security, options);
    this.keyName = keyName;
    this.keyId = keyId;
  }
}

/** A signer or verifier key string (or key name) is malformed. Exit 2. */
export class KeyFormatError extends InputError {}

/** A checkpoint body is malformed. Exit 2. */
export class CheckpointError extends InputError {}

/** A cosignature is malformed or does not fit the checkpoint. Exit 2. */
export class CosignatureError extends InputError {}

/** A tlog-proof document is malformed. Exit 2. */
export class TlogProofError extends InputError {}

/** A tree size, record index or stored-hash index is out of range for the operation. Exit 2. */
export class TreeRangeError extends InputError {}
