import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InputError } from '../../src/errors.ts';
import {
  decodeBase64Strict,
  encodeMpint,
  encodeString,
  encodeUint32,
  expectEnd,
  fixedLength,
  readMpint,
  readString,
  readText,
  readUint32,
  reader,
} from '../../src/manifest/wire.ts';

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

test('mpint encoding follows RFC 4251 section 5 examples', () => {
  // RFC 4251: 0 -> 00000000; 0x9a378f9b2e332a7 -> 00000008 09 a3 78 f9 b2 e3 32 a7; 0x80 -> 00000002 00 80.
  assert.deepEqual(encodeMpint(new Uint8Array(0)), hex('00000000'));
  assert.deepEqual(encodeMpint(hex('09a378f9b2e332a7')), hex('00000008 09a378f9b2e332a7'));
  assert.deepEqual(encodeMpint(hex('80')), hex('00000002 0080'));
  assert.deepEqual(encodeMpint(hex('000080')), hex('00000002 0080'), 'leading zeros are dropped');
  assert.deepEqual(readMpint(reader(hex('00000002 0080'))), hex('80'));
  assert.deepEqual(readMpint(reader(hex('00000000'))), new Uint8Array(0));
  assert.throws(() => readMpint(reader(hex('00000001 80'))), /negative/);
  assert.throws(() => readMpint(reader(hex('00000002 0102')), 'm', 1), /too large/);
  assert.throws(() => readMpint(reader(hex('00000003 000102')), 'm', 1), /too long/);
});

test('strings and uint32 round-trip; truncation and trailing data are InputErrors', () => {
  const r = reader(new Uint8Array([...encodeString('abc'), ...encodeUint32(0xdeadbeef)]));
  assert.equal(readText(r), 'abc');
  assert.equal(readUint32(r), 0xdeadbeef);
  expectEnd(r);
  assert.throws(() => readString(reader(hex('00000005 6162'))), InputError);
  assert.throws(() => readString(reader(hex('ffffffff'))), InputError);
  assert.throws(() => readString(reader(hex('00000003 616263')), 's', 2), /too long/);
  assert.throws(() => readText(reader(hex('00000002 6100'))), /NUL/);
  assert.throws(() => readText(reader(hex('00000001 ff'))), /UTF-8/);
  assert.throws(() => expectEnd(reader(hex('00'))), /trailing/);
});

test('fixedLength pads and refuses values that do not fit', () => {
  assert.deepEqual(fixedLength(hex('0102'), 4), hex('00000102'));
  assert.deepEqual(fixedLength(hex('00000102'), 2), hex('0102'));
  assert.throws(() => fixedLength(hex('010203'), 2), InputError);
});

test('decodeBase64Strict refuses what Buffer.from would silently accept', () => {
  assert.deepEqual(decodeBase64Strict('AAEC'), hex('000102'));
  assert.deepEqual(decodeBase64Strict(''), new Uint8Array(0));
  for (const bad of ['AAE', 'AA*C', 'AAEC=', 'AA==AAAA', 'AB==', 'AAE\n', '_-Aa']) {
    assert.throws(() => decodeBase64Strict(bad), InputError, bad);
  }
});

test('property: readers over random bytes return values or InputError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      for (const f of [readString, readText, readMpint, readUint32] as ((r: ReturnType<typeof reader>) => unknown)[]) {
        const r = reader(b);
        try {
          f(r);
          assert.ok(r.pos <= b.length);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
        }
      }
    }),
  );
});

test('property: mpint encode/read round-trips any magnitude', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (m) => {
      const back = readMpint(reader(encodeMpint(m)), 'm', 100);
      assert.equal(Buffer.from(back).toString('hex'), Buffer.from(m).toString('hex').replace(/^(00)+/, ''));
    }),
  );
});
