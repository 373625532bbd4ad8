// Every command's --help, as a user sees it in a terminal 80 columns wide: no line of prose runs
// past the width (indented example command lines may), and no sentence is broken where the source
// happened to wrap it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { buildProgram, reflow, run } from '../../src/cli/main.ts';
import type { CliContext } from '../../src/cli/context.ts';

function context(): { ctx: CliContext; out: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  const ctx: CliContext = { stdout: sink, stderr: sink, stdin: Readable.from([]), env: {}, cwd: process.cwd(), now: () => new Date(0) };
  return { ctx, out: () => text };
}

function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

test('reflow joins lines broken inside a sentence and keeps sentence and paragraph breaks', () => {
  assert.equal(reflow('one (two\nthree), four\nfive.\nSix:\nseven\n\neight'), 'one (two three), four five.\nSix:\nseven\n\neight');
  assert.equal(reflow('no breaks'), 'no breaks');
});

test('every --help fits 80 columns (but for examples) and reads as whole sentences', async () => {
  const paths = commandPaths(buildProgram(context().ctx));
  assert.ok(paths.length >= 20, `found ${paths.length} commands`);
  for (const p of [[], ...paths]) {
    const { ctx, out } = context();
    assert.equal(await run([...p, '--help'], ctx), 0, p.join(' '));
    const lines = out().split('\n');
    for (const line of lines) assert.ok(line.length <= 80 || /^ {2}\S/.test(line) && !/^ {2}-/.test(line) || /^ {4,}/.test(line), `distsum ${p.join(' ')} --help: ${JSON.stringify(line)}`);
    // The description paragraph (between "Usage:" and the first section) has no line that ends
    // mid-sentence while the next line is short enough to have taken its first word.
    const end = lines.findIndex((l, i) => i > 1 && /^(Arguments|Options|Commands):$/.test(l));
    const desc = lines.slice(2, end < 0 ? lines.length : end - 1);
    for (let i = 0; i + 1 < desc.length; i++) {
      const next = desc[i + 1];
      if (desc[i] === '' || next === '' || /[.:!?]$/.test(desc[i])) continue;
      const firstWord = next.trimStart().split(' ')[0];
      assert.ok(desc[i].length + 1 + firstWord.length > 80, `distsum ${p.join(' ')} --help breaks early: ${JSON.stringify(desc[i])}`);
    }
  }
});
