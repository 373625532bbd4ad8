// Lock-file readers for `distsum verify`: the public surface of src/verify/locks.

export type { LockedFile, LockedHashes, LockFormat, LockReadResult } from './types.ts';
export { LOCK_FORMATS } from './types.ts';
export { DEFAULT_LOCK_LIMITS, type LockLimits } from './limits.ts';
export {
  detectLockFormat,
  formatFromContent,
  formatFromName,
  LOCK_FORMAT_LABELS,
  parseLock,
  readLockFile,
  type ReadLockOptions,
} from './detect.ts';
export { parseRequirements, parseRequirementsFile, readRequirements, type ReadText } from './requirements.ts';
export { parsePylock } from './pylock.ts';
export { parseUvLock } from './uv.ts';
export { parsePoetryLock } from './poetry.ts';
export { parsePipfileLock } from './pipfile.ts';
export { parsePipReport } from './pip-report.ts';
