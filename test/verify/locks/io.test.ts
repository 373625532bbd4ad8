import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeLockText, readLockText } from '../../../src/verify/locks/io.ts';
import { inputError, tempDir } from './support.ts';

test('decoding: UTF-8 with or without BOM, UTF-16 by its BOM, nothing else', () => {
  const s = 'naïve==1.0 # ✓\n';
  assert.equal(decodeLockText(Buffer.from(s), 'f'), s);
  assert.equal(decodeLockText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)]), 'f'), s);
  assert.equal(decodeLockText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]), 'f'), s);
  assert.equal(decodeLockText(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()]), 'f'), s);
  assert.equal(decodeLockText(new Uint8Array(), 'f'), '');
  assert.throws(() => decodeLockText(Buffer.from([0x61, 0xff, 0x62]), 'f'), inputError(/^f: not UTF-8 text$/));
  assert.throws(() => decodeLockText(Buffer.from([0xff, 0xfe, 0x00, 0xd8]), 'f'), inputError(/^f: not UTF-16LE text$/));
});

test('reading: bounded by size before reading, errors name the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = join(dir, 'r.txt');
    writeFileSync(p, 'x'.repeat(100));
    assert.equal(await readLockText(p, 100), 'x'.repeat(100));
    await assert.rejects(readLockText(p, 99), inputError(new RegExp(`^${p} is 100 bytes; lock files larger than 99 bytes are refused$`)));
    await assert.rejects(readLockText(join(dir, 'none'), 100), inputError(/^cannot read .*none: ENOENT/));
    await assert.rejects(readLockText(dir, 100), inputError(/is not a regular file$/));
    writeFileSync(join(dir, 'empty'), '');
    assert.equal(await readLockText(join(dir, 'empty'), 100), '');
  } finally {
    cleanup();
  }
});
