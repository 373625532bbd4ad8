// Typed errors with a user-facing message and the exit code the CLI returns for them.
// Exit codes (DESIGN): 0 ok, 1 a check failed, 2 usage or input error, 3 a security failure.

/** Exit codes every command uses; CI scripts act on them. */
export const ExitCode = {
  Ok: 0,
  CheckFailed: 1,
  Usage: 2,
  Security: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: `message` is one line a user can act on; `exitCode` is what the CLI exits with. */
export class DistsumError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.Usage, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage or a missing/unreadable input. Exit 2. */
export class UsageError extends DistsumError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

/** Input that cannot be accepted: malformed, hostile or inconsistent data. Exit 2. */
export class InputError extends DistsumError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options);
  }
}

/** A check ran and failed (digest mismatch, bad signature). Exit 1. */
export class CheckError extends DistsumError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.CheckFailed, options);
  }
}

/** A security failure such as a forked log or a refused insecure transport. Exit 3. */
export class SecurityError extends DistsumError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Security, options);
  }
}

/** Formats any thrown value as one line without a stack trace. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] || err.name;
  return String(err);
}

/**
 * Ends a command with `exitCode` after it has already reported why (a table of failures, say).
 * The CLI prints nothing more for it.
 */
export class ExitWith extends DistsumError {
  constructor(exitCode: ExitCode) {
    super('', exitCode);
  }
}
