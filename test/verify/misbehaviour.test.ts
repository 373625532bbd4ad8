import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64Lines, formatReport, LogMisbehaviourError, noteLines, reportJson } from '../../src/verify/misbehaviour.ts';
import { ExitCode } from '../../src/errors.ts';

const NOTE = 'example.com/log\n3\nAAAA\n\n\u2014 example.com/log abcd\n';

test('the report prints every section indented, after a SECURITY ERROR header', () => {
  const r = {
    kind: 'fork' as const,
    origin: 'example.com/log',
    url: 'https://log.example.com',
    key: 'example.com/log+01020304+AQ==',
    summary: 'two checkpoints of tree size 3 with different root hashes',
    sections: [
      { label: 'old', lines: noteLines(NOTE) },
      { label: 'proof', lines: ['h1', 'h2'] },
    ],
    explanation: ['Line one.', 'Line two.'],
  };
  assert.equal(
    formatReport(r),
    'SECURITY ERROR\nlog example.com/log (https://log.example.com) misbehaved: two checkpoints of tree size 3 with different root hashes\nlog key: example.com/log+01020304+AQ==\n\n' +
      'old:\n\texample.com/log\n\t3\n\tAAAA\n\t\n\t\u2014 example.com/log abcd\n\nproof:\n\th1\n\th2\n\nLine one.\nLine two.\n',
  );
  const e = new LogMisbehaviourError(r);
  assert.equal(e.exitCode, ExitCode.Security);
  assert.equal(e.message, 'log example.com/log misbehaved: two checkpoints of tree size 3 with different root hashes');
  assert.deepEqual(reportJson(r, '/s/r.txt'), {
    kind: 'fork',
    origin: 'example.com/log',
    url: 'https://log.example.com',
    key: 'example.com/log+01020304+AQ==',
    summary: r.summary,
    sections: r.sections,
    explanation: 'Line one. Line two.',
    saved_to: '/s/r.txt',
  });
});

test('a note is quoted verbatim, so the report re-creates it exactly', () => {
  assert.equal(noteLines(NOTE).join('\n') + '\n', NOTE);
  assert.equal(noteLines(new TextEncoder().encode(NOTE)).join('\n') + '\n', NOTE);
});

test('binary evidence is wrapped base64 that decodes back', () => {
  const data = new Uint8Array(200).map((_, i) => i);
  const lines = base64Lines(data);
  assert.ok(lines.every((l) => l.length <= 76));
  assert.deepEqual(new Uint8Array(Buffer.from(lines.join(''), 'base64')), data);
});
