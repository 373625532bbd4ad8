import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import type { CliContext } from '../../src/cli/context.ts';
import { prompt } from '../../src/cli/prompt.ts';

function ttyContext(): { ctx: CliContext; stdin: PassThrough; echoed: () => string } {
  let text = '';
  const stderr = new Writable({ write(c, _e, cb) { text += c.toString(); cb(); } }) as Writable & { isTTY?: boolean };
  stderr.isTTY = true;
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (m: boolean) => void };
  stdin.isTTY = true;
  stdin.isRaw = false;
  stdin.setRawMode = (m) => { stdin.isRaw = m; };
  const ctx: CliContext = { stdout: new PassThrough(), stderr, stdin, env: {}, cwd: '/', now: () => new Date(0) };
  return { ctx, stdin, echoed: () => text };
}

test('a pasted "name<Enter>secret<Enter>" answers two prompts; hidden input is not echoed', async () => {
  const { ctx, stdin, echoed } = ttyContext();
  stdin.write('alice\r\ns3cr\x7fet\n');
  assert.equal(await prompt(ctx, 'Username: '), 'alice');
  assert.equal(await prompt(ctx, 'Password: ', { hidden: true }), 's3cet');
  assert.equal(echoed(), 'Username: Password: \n');
  assert.equal((stdin as PassThrough & { isRaw?: boolean }).isRaw, false, 'raw mode restored');
});

test('Ctrl-C cancels; no terminal means no prompt', async () => {
  const { ctx, stdin } = ttyContext();
  stdin.write('\u0003');
  await assert.rejects(prompt(ctx, 'Password: ', { hidden: true }), /cancelled/);
  const notty = { ...ctx, stdin: new PassThrough() };
  await assert.rejects(prompt(notty, 'Password: '), /not running on a terminal/);
});
