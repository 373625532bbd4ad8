// Terminal prompts: visible input for names, hidden input for passwords and passphrases.

import type { CliContext } from './context.ts';
import { UsageError } from '../errors.ts';

/** True when a person can answer a prompt: stdin and stderr are terminals and not in CI. */
export function canPrompt(ctx: CliContext): boolean {
  return Boolean(ctx.stdin.isTTY && ctx.stderr.isTTY) && !ctx.env.CI;
}

/**
 * Asks on stderr and reads one line from the terminal. With `hidden`, typed characters are not echoed
 * (the terminal is put in raw mode for the duration). Ctrl-C or Ctrl-D abandon with a UsageError.
 */
export async function prompt(ctx: CliContext, question: string, opts: { hidden?: boolean } = {}): Promise<string> {
  if (!canPrompt(ctx)) throw new UsageError(`cannot ask "${question.trim()}": not running on a terminal`);
  const stdin = ctx.stdin as NodeJS.ReadStream;
  ctx.stderr.write(question);
  return await new Promise<string>((resolvePromise, reject) => {
    let answer = '';
    const wasRaw = stdin.isRaw;
    if (opts.hidden) stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    const finish = (e?: Error) => {
      stdin.removeListener('data', onData);
      if (opts.hidden) stdin.setRawMode(wasRaw);
      stdin.pause();
      if (opts.hidden) ctx.stderr.write('\n');
      if (e) reject(e);
      else resolvePromise(answer);
    };
    const onData = (chunk: string) => {
      const chars = [...chunk];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i];
        if (ch === '\r' || ch === '\n') {
          // Keep what was typed (or pasted) after Enter for the next prompt.
          let rest = chars.slice(i + 1).join('');
          if (ch === '\r' && rest.startsWith('\n')) rest = rest.slice(1);
          finish();
          if (rest) stdin.unshift(Buffer.from(rest, 'utf8'));
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') return finish(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.on('data', onData);
  });
}
