// Entry point of the `distsum` binary: builds the command tree and maps errors to exit codes.

import { Command, CommanderError } from 'commander';
import { processContext, type CliContext } from './context.ts';
import { DistsumError, ExitCode, errorMessage } from '../errors.ts';
import { VERSION } from '../version.ts';
import { registerHash } from './hash.ts';
import { registerSign } from './sign.ts';
import { registerManifest } from './manifest.ts';
import { registerUpload } from './upload.ts';
import { registerCheck } from './check.ts';
import { registerLog } from './log.ts';
import { registerWatch } from './watch.ts';
import { registerVerify } from './verify.ts';
import { registerTrust } from './trust.ts';

export { VERSION } from '../version.ts';

/** Builds the program; each command module adds its subcommand. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('distsum')
    .description('Known hashes for Python packages: hash, sign, upload, log and verify distribution files.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  registerHash(program, ctx);
  registerSign(program, ctx);
  registerManifest(program, ctx);
  registerUpload(program, ctx);
  registerCheck(program, ctx);
  registerLog(program, ctx);
  registerWatch(program, ctx);
  registerVerify(program, ctx);
  registerTrust(program, ctx);
  reflowDescriptions(program);
  return program;
}

/**
 * `text` with the line breaks inside sentences removed: commander wraps help text to the terminal
 * itself, and breaks written into the source at another width made ragged lines. A break after a
 * sentence (., :, ! or ?) or a blank line stays.
 */
export function reflow(text: string): string {
  return text.replace(/([^.:!?\n])\n(?!\n)/g, '$1 ');
}

function reflowDescriptions(cmd: Command): void {
  cmd.description(reflow(cmd.description()));
  for (const sub of cmd.commands) reflowDescriptions(sub);
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function run(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return ExitCode.Usage;
    }
    if (e instanceof DistsumError) {
      if (e.message) ctx.stderr.write(`distsum: ${e.message}\n`);
      return e.exitCode;
    }
    ctx.stderr.write(`distsum: internal error: ${errorMessage(e)}\n`);
    if (ctx.env.DISTSUM_DEBUG) ctx.stderr.write(String((e as Error)?.stack) + '\n');
    return 70;
  }
}

/** The binary's entry: runs with the process's arguments and sets the exit code. */
export async function main(): Promise<void> {
  // EPIPE when piped into `head` is not an error worth a message.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  process.exitCode = await run(process.argv.slice(2));
}
