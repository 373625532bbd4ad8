import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createTarScanner, readTarGzMember } from '../../src/dist/tar.ts';
import { isSdistMetadataPath, readDistMetadata } from '../../src/dist/archive.ts';
import { parseDistFilename } from '../../src/dist/filename.ts';
import { DEFAULT_LIMITS, type ArchiveLimits } from '../../src/dist/limits.ts';
import { InputError, UsageError } from '../../src/errors.ts';
import { tempDir } from '../digest/oracle.ts';
import { metadataText } from './zipbuild.ts';
import { paxRecord, tarArchive, tarRecord } from './tarbuild.ts';
import { python } from './python.ts';

const PKG = metadataText('demo', '1.0');
const SDIST = 'demo-1.0.tar.gz';

// python3 tarfile builds sdists, each from a JSON list of members: [name, type, data-or-linkname].
const PY_TAR = `
import io, json, sys, tarfile
for spec in json.load(sys.stdin):
  fmt = {'pax': tarfile.PAX_FORMAT, 'gnu': tarfile.GNU_FORMAT, 'ustar': tarfile.USTAR_FORMAT}[spec['format']]
  with tarfile.open(spec['path'], 'w:gz', format=fmt) as t:
    for m in spec['members']:
        name, kind, payload = (m + [None])[:3]
        ti = tarfile.TarInfo(name)
        if kind == 'file':
            data = payload.encode()
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        else:
            ti.type = {'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE, 'hardlink': tarfile.LNKTYPE,
                       'fifo': tarfile.FIFOTYPE, 'chr': tarfile.CHRTYPE}[kind]
            ti.linkname = payload or ''
            t.addfile(ti)
print(1)
`;

type Member = [string, 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo' | 'chr', string?];

function pySdist(dir: string, members: Member[], format: 'pax' | 'gnu' | 'ustar' = 'pax'): string {
  return pySdists(dir, [members], format)[0];
}

// One python process for several archives (each in its own subdirectory, named demo-1.0.tar.gz).
function pySdists(dir: string, list: Member[][], format: 'pax' | 'gnu' | 'ustar' = 'pax'): string[] {
  const paths = list.map((_, i) => {
    const sub = join(dir, `a${i}`);
    mkdirSync(sub, { recursive: true });
    return join(sub, SDIST);
  });
  python(PY_TAR, list.map((members, i) => ({ path: paths[i], format, members })));
  return paths;
}

function read(p: string, limits: ArchiveLimits = DEFAULT_LIMITS) {
  return readDistMetadata(p, parseDistFilename(SDIST), limits);
}

function writeGz(dir: string, tar: Buffer): string {
  const p = join(dir, SDIST);
  writeFileSync(p, gzipSync(tar));
  return p;
}

async function rejectsInput(p: Promise<unknown>, re: RegExp, ms = 2000) {
  const t = performance.now();
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.match(e.message, /demo-1\.0\.tar\.gz/);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
  assert.ok(performance.now() - t < ms, `took ${performance.now() - t} ms`);
}

test('sdists written by python tarfile in pax, GNU and ustar formats, long names included', async () => {
  const { dir, cleanup } = tempDir('distsum-tar-');
  try {
    const long = 'demo-1.0/' + 'deep/'.repeat(30) + 'file.py';
    for (const format of ['pax', 'gnu', 'ustar'] as const) {
      const members: Member[] = [
        ['demo-1.0', 'dir'],
        ['demo-1.0/src/demo.egg-info/PKG-INFO', 'file', 'nested, not this one'],
        ['demo-1.0/' + 'x'.repeat(90) + '/a.py', 'file', 'prefix field in ustar'],
        ...(format === 'ustar' ? [] : [[long, 'file', 'long name'] as Member]),
        ['demo-1.0/link', 'symlink', 'src/demo.egg-info/PKG-INFO'],
        ['demo-1.0/up', 'symlink', '../demo-1.0/setup.py'],
        ['demo-1.0/hard', 'hardlink', 'demo-1.0/setup.py'],
        ['demo-1.0/setup.py', 'file', ''],
        ['demo-1.0/PKG-INFO', 'file', PKG + 'Ünïcode body\n'],
      ];
      const m = await read(pySdist(dir, members, format));
      assert.equal(m.name, 'demo-1.0/PKG-INFO', format);
      assert.equal(Buffer.from(m.bytes).toString('utf8'), PKG + 'Ünïcode body\n', format);
    }
    // Archives made with \`tar -C dir .\`: a "./" root entry and "./"-prefixed names.
    const dotted = await read(pySdist(dir, [['.', 'dir'], ['./demo-1.0', 'dir'], ['./demo-1.0/PKG-INFO', 'file', PKG]]));
    assert.equal(dotted.name, './demo-1.0/PKG-INFO');
  } finally {
    cleanup();
  }
});

test('hostile member names and link targets anywhere in the archive', async () => {
  const { dir, cleanup } = tempDir('distsum-tar-');
  try {
    const cases: [Member, RegExp][] = [
      [['../evil.py', 'file', 'x'], /"\.\." component/],
      [['demo-1.0/../../evil.py', 'file', 'x'], /"\.\." component/],
      [['/etc/cron.d/evil', 'file', 'x'], /absolute path/],
      [['demo-1.0\\..\\evil', 'file', 'x'], /backslash/],
      [['demo-1.0/a\u001b[2Jb', 'file', 'x'], /control character/],
      [['demo-1.0/passwd', 'symlink', '/etc/passwd'], /outside the archive/],
      [['demo-1.0/up', 'symlink', '../../etc/passwd'], /outside the archive/],
      [['demo-1.0/hard', 'hardlink', '../x'], /outside the archive/],
      [['demo-1.0/fifo', 'fifo'], /tar type "6"/],
      [['demo-1.0/tty', 'chr'], /tar type "3"/],
    ];
    // The hostile member comes after PKG-INFO: it must be caught even so.
    const paths = pySdists(dir, cases.map(([member]) => [['demo-1.0/PKG-INFO', 'file', PKG], member]));
    for (let i = 0; i < cases.length; i++) await rejectsInput(read(paths[i]), cases[i][1]);
    // A pax record naming the next member "../x" while its header says something harmless.
    const p = writeGz(dir, tarArchive([tarRecord({ name: 'demo-1.0/PKG-INFO', data: Buffer.from(PKG) }), paxRecord({ path: '../escape' }), tarRecord({ name: 'demo-1.0/ok', data: Buffer.from('x') })]));
    await rejectsInput(read(p), /"\.\." component/);
  } finally {
    cleanup();
  }
});

test('PKG-INFO missing, duplicated at depth one, or too large', async () => {
  const { dir, cleanup } = tempDir('distsum-tar-');
  try {
    const [none, two, top, one] = pySdists(dir, [
      [['demo-1.0/setup.py', 'file', ''], ['demo-1.0/x/PKG-INFO', 'file', PKG]],
      [['demo-1.0/PKG-INFO', 'file', PKG], ['other-2.0/PKG-INFO', 'file', PKG]],
      [['PKG-INFO', 'file', PKG]],
      [['demo-1.0/PKG-INFO', 'file', PKG]],
    ]);
    await rejectsInput(read(none), /no PKG-INFO/);
    await rejectsInput(read(two), /several PKG-INFO/);
    await rejectsInput(read(top), /no PKG-INFO/);
    await rejectsInput(read(one, { ...DEFAULT_LIMITS, maxMetadataBytes: 10 }), /more than the limit of 10/);
    // Declared 1 GiB in the header: refused from the header alone.
    await rejectsInput(read(writeGz(dir, tarRecord({ name: 'demo-1.0/PKG-INFO', size: 1 << 30 }))), /1073741824 bytes, more than the limit/);
  } finally {
    cleanup();
  }
});

test('gzip bombs: the compression ratio and the scanned-bytes caps stop reading early', async () => {
  const { dir, cleanup } = tempDir('distsum-tar-');
  try {
    // 64 MiB of zeros in one member, ~64 KiB compressed (ratio ~1000).
    const big = 64 << 20;
    const p = join(dir, SDIST);
    python(
      `import gzip, sys
with gzip.open(sys.argv[1], 'wb', compresslevel=6) as g:
    import tarfile
    h = tarfile.TarInfo('demo-1.0/zeros'); h.size = ${big}
    g.write(h.tobuf(tarfile.USTAR_FORMAT))
    z = bytes(1 << 20)
    for _ in range(${big >> 20}): g.write(z)
print(1)`,
      null,
      [p],
    );
    await rejectsInput(read(p), /decompresses more than 100x/, 1500);
    // An honest archive that is larger than a lowered scan cap.
    const q = pySdist(dir, [['demo-1.0/blob', 'file', randomBytes(600_000).toString('base64')], ['demo-1.0/PKG-INFO', 'file', PKG]]);
    await rejectsInput(read(q, { ...DEFAULT_LIMITS, maxScanBytes: 256 << 10 }), /more than 262144 bytes after decompression/);
  } finally {
    cleanup();
  }
});

test('not gzip, gzip of not-tar, truncated at every kind of place', async () => {
  const { dir, cleanup } = tempDir('distsum-tar-');
  try {
    const p = join(dir, SDIST);
    writeFileSync(p, randomBytes(4000));
    await rejectsInput(read(p), /not a gzip file/);
    writeFileSync(p, Buffer.alloc(0));
    await rejectsInput(read(p), /truncated/);
    writeFileSync(p, gzipSync(Buffer.from('hello, this is not a tar archive'.repeat(40))));
    await rejectsInput(read(p), /checksum/);
    const good = readFileSync(pySdist(dir, [['demo-1.0/PKG-INFO', 'file', PKG], ['demo-1.0/data', 'file', randomBytes(50_000).toString('hex')]]));
    writeFileSync(p, good.subarray(0, good.length >> 1));
    await rejectsInput(read(p), /not a gzip file, or truncated/);
    const tar = tarArchive([tarRecord({ name: 'demo-1.0/PKG-INFO', data: Buffer.from(PKG) }), tarRecord({ name: 'demo-1.0/big', data: Buffer.alloc(5000) })]);
    // Cut inside a member's data, inside a header, and with no end-of-archive blocks.
    for (const cut of [512 + 1024 + 700, 512 + 1024 + 100, tar.length - 1024]) {
      writeFileSync(p, gzipSync(tar.subarray(0, cut)));
      await rejectsInput(read(p), /truncated/);
    }
  } finally {
    cleanup();
  }
});

test('malformed headers and records: checksum, size, pax, oversized records, data after the end marker', async () => {
  const { dir, cleanup } = tempDir('distsum-tar-');
  try {
    const pkg = tarRecord({ name: 'demo-1.0/PKG-INFO', data: Buffer.from(PKG) });
    await rejectsInput(read(writeGz(dir, tarArchive([tarRecord({ name: 'demo-1.0/PKG-INFO', data: Buffer.from(PKG), checksum: 1 })]))), /checksum/);
    const badSize = tarRecord({ name: 'demo-1.0/x', data: Buffer.alloc(0) });
    badSize.write('9999999999\0', 124, 'latin1');
    let sum = 0;
    badSize.fill(0x20, 148, 156);
    for (const b of badSize) sum += b;
    badSize.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    await rejectsInput(read(writeGz(dir, tarArchive([pkg, badSize]))), /invalid size field/);
    await rejectsInput(read(writeGz(dir, tarArchive([pkg, tarRecord({ name: 'p', type: 'x', data: Buffer.from('99 path=x\n') }), tarRecord({ name: 'demo-1.0/y' })]))), /pax header record is malformed/);
    await rejectsInput(read(writeGz(dir, tarArchive([pkg, tarRecord({ name: 'p', type: 'x', size: 2 << 20 })]))), /x record is 2097152 bytes/);
    await rejectsInput(read(writeGz(dir, tarArchive([pkg, tarRecord({ name: 'L', type: 'L', size: 64 << 20 })]))), /L record/);
    await rejectsInput(read(writeGz(dir, Buffer.concat([pkg, Buffer.alloc(512), tarRecord({ name: 'demo-1.0/z' })]))), /follows an end-of-archive block/);
    await rejectsInput(read(writeGz(dir, tarArchive([pkg, tarRecord({ name: 'demo-1.0/s', type: 'S' })]))), /tar type "S"/);
    // GNU long name record giving the real name.
    const gnu = tarArchive([tarRecord({ name: '././@LongLink', type: 'L', data: Buffer.from('demo-1.0/PKG-INFO\0') }), tarRecord({ name: 'short', data: Buffer.from(PKG) })]);
    assert.equal((await read(writeGz(dir, gnu))).name, 'demo-1.0/PKG-INFO');
    // Data after the end marker is not part of the archive.
    const trailing = Buffer.concat([tarArchive([pkg]), tarRecord({ name: '../after-the-end' })]);
    assert.equal((await read(writeGz(dir, trailing))).name, 'demo-1.0/PKG-INFO');
  } finally {
    cleanup();
  }
});

test('member count is bounded', async () => {
  const { dir, cleanup } = tempDir('distsum-tar-');
  try {
    const members: Member[] = Array.from({ length: 20 }, (_, i) => [`demo-1.0/f${i}`, 'file', ''] as Member);
    await rejectsInput(read(pySdist(dir, [['demo-1.0/PKG-INFO', 'file', PKG], ...members]), { ...DEFAULT_LIMITS, maxEntries: 10 }), /more than 10 archive members/);
  } finally {
    cleanup();
  }
});

test('no file descriptor is left open, whether reading succeeds or fails', async () => {
  const { dir, cleanup } = tempDir('distsum-tar-');
  try {
    // File descriptors open on anything in our temp dir or the fixtures (other fds come and go).
    const fds = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          const target = readlinkSync(`/proc/self/fd/${fd}`);
          return target.startsWith(dir);
        } catch {
          return false;
        }
      }).length;
    const good = writeGz(dir, tarArchive([tarRecord({ name: 'demo-1.0/PKG-INFO', data: Buffer.from(PKG) })]));
    await read(good);
    // Closing is asynchronous: wait (bounded) until nothing is open.
    const settled = async () => {
      for (let i = 0; i < 100 && fds() > 0; i++) await new Promise((r) => setTimeout(r, 20));
      return fds();
    };
    assert.equal(await settled(), 0);
    for (let i = 0; i < 10; i++) {
      await read(writeGz(dir, tarArchive([tarRecord({ name: 'demo-1.0/PKG-INFO', data: Buffer.from(PKG) })])));
      await read(writeGz(dir, tarArchive([tarRecord({ name: '../x' })]))).catch(() => {});
      await read(writeGz(dir, Buffer.alloc(700))).catch(() => {});
      writeFileSync(join(dir, SDIST), randomBytes(300));
      await read(join(dir, SDIST)).catch(() => {});
    }
    assert.equal(await settled(), 0);
  } finally {
    cleanup();
  }
});

test('a missing sdist is a UsageError naming it', async () => {
  await assert.rejects(readTarGzMember('/nonexistent/demo-1.0.tar.gz', isSdistMetadataPath, 'PKG-INFO', DEFAULT_LIMITS), (e: unknown) => e instanceof UsageError && /nonexistent\/demo-1\.0\.tar\.gz/.test(e.message));
});

test('property: the scanner accepts any chunking of an archive the same way', () => {
  const tar = tarArchive([
    paxRecord({ path: 'demo-1.0/' + 'p'.repeat(150) }),
    tarRecord({ name: 'ignored', data: Buffer.from('long-named') }),
    tarRecord({ name: 'demo-1.0/PKG-INFO', data: Buffer.from(PKG) }),
    tarRecord({ name: 'demo-1.0/x', data: randomBytes(3000) }),
  ]);
  fc.assert(
    fc.property(fc.array(fc.nat(tar.length), { maxLength: 10 }), (cuts) => {
      const bodies: string[] = [];
      const paths: string[] = [];
      const s = createTarScanner('t', DEFAULT_LIMITS, (h) => (paths.push(h.path), h.path.endsWith('PKG-INFO')), (_h, b) => bodies.push(Buffer.from(b).toString()));
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      let prev = 0;
      let done = false;
      for (const p of [...points, tar.length]) {
        done = s.push(tar.subarray(prev, p)) || done;
        prev = p;
      }
      assert.ok(done);
      assert.deepEqual(bodies, [PKG]);
      assert.deepEqual(paths, ['demo-1.0/' + 'p'.repeat(150), 'demo-1.0/PKG-INFO', 'demo-1.0/x']);
    }),
    { numRuns: 200 },
  );
});

test('property: random or mutated archives give PKG-INFO or an InputError, never a crash', async () => {
  const { dir, cleanup } = tempDir('distsum-tar-');
  try {
    const tar = tarArchive([tarRecord({ name: 'demo-1.0/PKG-INFO', data: Buffer.from(PKG) }), tarRecord({ name: 'demo-1.0/x', data: Buffer.from('abc') })]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(tar.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 5 }), fc.nat(tar.length), fc.boolean(), async (flips, cut, gzipMangle) => {
        const t = Buffer.from(tar);
        for (const [i, b] of flips) t[i] = b;
        let gz = gzipSync(cut % 5 === 0 ? t.subarray(0, cut) : t);
        if (gzipMangle && flips.length > 0) {
          gz = Buffer.from(gz);
          gz[flips[0][0] % gz.length] ^= 0xff;
        }
        writeFileSync(join(dir, SDIST), gz);
        try {
          const m = await read(join(dir, SDIST));
          assert.ok(m.name.endsWith('PKG-INFO'));
        } catch (e) {
          assert.ok(e instanceof InputError, String(e));
        }
      }),
      { numRuns: 300 },
    );
  } finally {
    cleanup();
  }
});
