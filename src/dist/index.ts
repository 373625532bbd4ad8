// Distribution files: file names, core metadata, reading metadata out of archives safely.

export {
  parseDistFilename,
  isDistFilename,
  splitNameVersion,
  normalizeProjectName,
  manifestName,
  versionsEqual,
  versionKey,
  type DistFilename,
} from './filename.ts';
export { parseCoreMetadata, MAX_METADATA_BYTES, type CoreMetadata } from './metadata.ts';
export { readDistMetadata } from './archive.ts';
export { DEFAULT_LIMITS, type ArchiveLimits } from './limits.ts';
export { inspectDist, findDistFiles, type DistInfo } from './inspect.ts';
