// `distsum check`: twine check's metadata checks (those that need no renderer) before an upload.

import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { out } from './context.ts';
import { display } from './hash.ts';
import { printJson, safeText } from './format.ts';
import { DistsumError, ExitCode, ExitWith, UsageError } from '../errors.ts';
import { inspectDist } from '../dist/inspect.ts';
import { parseDistFilename } from '../dist/filename.ts';
import { basename } from 'node:path';
import { splitInputs } from '../upload/inputs.ts';
import { expandArguments } from '../upload/prepare.ts';
import { checkMetadata } from '../upload/check.ts';

/** One file's verdict. */
export interface FileVerdict {
  path: string;
  status: 'passed' | 'warnings' | 'failed';
  errors: string[];
  warnings: string[];
}

/** Registers `distsum check`. */
export function registerCheck(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .summary("check distributions' metadata as twine check does")
    .description(
      'Check the core metadata of distribution files before uploading, as twine check does without a renderer: ' +
        'the required fields, a valid metadata version, name and version, a long description with a valid content ' +
        'type, and reStructuredText title underlines. Exit status 1 if any file fails (with --strict, also on warnings).',
    )
    .argument('<dists...>', 'distribution files or directories of them (usually dist/*)')
    .option('--strict', 'fail on warnings too')
    .option('--json', 'print the verdicts as JSON')
    .addHelpText(
      'after',
      `
Examples:
  distsum check dist/*
  distsum check --strict dist/`,
    )
    .action(async (dists: string[], opts: { strict?: boolean; json?: boolean }) => {
      await runCheck(ctx, dists, opts);
    });
}

async function runCheck(ctx: CliContext, args: string[], o: { strict?: boolean; json?: boolean }): Promise<void> {
  const { paths } = await expandArguments(args, ctx.cwd);
  const { dists } = splitInputs(paths);
  if (dists.length === 0) throw new UsageError('no distribution files to check');
  const verdicts: FileVerdict[] = [];
  for (const path of dists) verdicts.push(await checkFile(path, !!o.strict));
  if (o.json) {
    printJson(ctx, { files: verdicts.map((v) => ({ ...v, path: display(ctx, v.path) })) });
  } else {
    for (const v of verdicts) {
      const label =
        v.status === 'passed' ? 'PASSED' : v.status === 'warnings' ? 'PASSED with warnings' : v.errors.length ? 'FAILED' : 'FAILED due to warnings';
      out(ctx, `Checking ${safeText(display(ctx, v.path))}: ${label}`);
      for (const e of v.errors) out(ctx, `  ERROR    ${safeText(e)}`);
      for (const w of v.warnings) out(ctx, `  WARNING  ${safeText(w)}`);
    }
  }
  if (verdicts.some((v) => v.status === 'failed')) throw new ExitWith(ExitCode.CheckFailed);
}

/** Checks one file; an unreadable or inconsistent file fails with the reason instead of stopping the run. */
export async function checkFile(path: string, strict: boolean): Promise<FileVerdict> {
  let findings;
  try {
    parseDistFilename(basename(path));
    const info = await inspectDist(path);
    findings = checkMetadata(info.metadata);
  } catch (e) {
    if (!(e instanceof DistsumError)) throw e;
    return { path, status: 'failed', errors: [(e as Error).message], warnings: [] };
  }
  const failed = findings.errors.length > 0 || (strict && findings.warnings.length > 0);
  return { path, status: failed ? 'failed' : findings.warnings.length ? 'warnings' : 'passed', ...findings };
}
