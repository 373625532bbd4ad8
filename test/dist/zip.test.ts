import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { readZipMember } from '../../src/dist/zip.ts';
import { isSdistMetadataPath, isWheelMetadataPath, readDistMetadata } from '../../src/dist/archive.ts';
import { parseDistFilename } from '../../src/dist/filename.ts';
import { DEFAULT_LIMITS } from '../../src/dist/limits.ts';
import { InputError, UsageError } from '../../src/errors.ts';
import { tempDir } from '../digest/oracle.ts';
import { buildZip, metadataText, unicodePathExtra, type ZipMember } from './zipbuild.ts';
import { python } from './python.ts';

const DISTS = resolve(import.meta.dirname, '../../../shared/fixtures/dists');
const META = 'demo-1.0.dist-info/METADATA';
const okMeta = (): ZipMember => ({ name: META, data: Buffer.from(metadataText('demo', '1.0')) });

// Writes `bytes` as a wheel and reads its metadata with the default limits.
async function readWheel(dir: string, bytes: Buffer, limits = DEFAULT_LIMITS) {
  const p = join(dir, 'demo-1.0-py3-none-any.whl');
  writeFileSync(p, bytes);
  return readDistMetadata(p, parseDistFilename('demo-1.0-py3-none-any.whl'), limits);
}

// Asserts an InputError whose one-line message names the archive and matches `re`, within `ms`.
async function rejectsInput(p: Promise<unknown>, re: RegExp, ms = 2000) {
  const t = performance.now();
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.match(e.message, /demo-1\.0-py3-none-any\.whl|\.zip/);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
  assert.ok(performance.now() - t < ms, `took ${performance.now() - t} ms`);
}

test('the real wheels: METADATA bytes exactly as python zipfile reads them', async () => {
  const names = readdirSync(DISTS).sort();
  const want = python<{ name: string; hex: string }[]>(
    `import sys, json, zipfile
out = []
for p in sys.argv[1:]:
    z = zipfile.ZipFile(p)
    [n] = [n for n in z.namelist() if n.count('/') == 1 and n.endswith('.dist-info/METADATA')]
    out.append({'name': n, 'hex': z.read(n).hex()})
print(json.dumps(out))`,
    null,
    names.map((n) => join(DISTS, n)),
  );
  for (let i = 0; i < names.length; i++) {
    const m = await readDistMetadata(join(DISTS, names[i]), parseDistFilename(names[i]));
    assert.equal(m.name, want[i].name);
    assert.equal(Buffer.from(m.bytes).toString('hex'), want[i].hex);
  }
});

test('zip64 members, code page 437 names, data descriptors and a comment: read as python zipfile reads them', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    // Python's zipfile writes these forms itself: force_zip64 members (zip64 extra fields), a
    // name without the UTF-8 flag (decoded as cp437), members written through a stream (data
    // descriptors), an archive comment, and more than 65,535 members (a zip64 end record).
    const made = python<{ path: string; name: string; meta: string }[]>(String.raw`
import json, sys, zipfile
d = sys.argv[1]
out = []
meta = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n"
def wheel(tag, build, name="demo-1.0.dist-info/METADATA"):
    p = f"{d}/{tag}-demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        build(z)
        with z.open(name, "w", force_zip64=True) as f:
            f.write(meta.encode())
    with zipfile.ZipFile(p) as z:
        found = [i.filename for i in z.infolist() if i.filename.endswith(".dist-info/METADATA")]
        out.append({"path": p, "name": found[0], "meta": z.read(found[0]).decode()})
wheel("z64", lambda z: z.writestr("demo/a.py", "x" * 1000))
def cp437(z):
    z.writestr("demo/a.txt", "old names")
    z.comment = b"an archive comment"
wheel("cp437", cp437, name="demo\x7f-1.0.dist-info/METADATA")
# Byte 0x82 is "\u00e9" in code page 437; with the UTF-8 flag cleared, that is how zipfile reads it.
p = out.pop()["path"]
b = open(p, "rb").read().replace(b"demo\x7f-1.0", b"demo\x82-1.0")
i = 0
while True:
    i = b.find(b"PK\x01\x02", i)
    if i < 0: break
    flags = int.from_bytes(b[i + 8:i + 10], "little") & ~0x800
    b = b[:i + 8] + flags.to_bytes(2, "little") + b[i + 10:]; i += 4
i = 0
while True:
    i = b.find(b"PK\x03\x04", i)
    if i < 0: break
    flags = int.from_bytes(b[i + 6:i + 8], "little") & ~0x800
    b = b[:i + 6] + flags.to_bytes(2, "little") + b[i + 8:]; i += 4
open(p, "wb").write(b)
with zipfile.ZipFile(p) as z:
    found = [i.filename for i in z.infolist() if i.filename.endswith(".dist-info/METADATA")]
    out.append({"path": p, "name": found[0], "meta": z.read(found[0]).decode()})
wheel("many", lambda z: [z.writestr(f"demo/f{i}", b"") for i in range(70000)])
print(json.dumps(out))
`, null, [dir]);
    assert.equal(made.length, 3);
    assert.ok(made.some((m) => m.name === 'demo\u00e9-1.0.dist-info/METADATA'), 'python read the cp437 name');
    for (const m of made) {
      const got = await readZipMember(m.path, isWheelMetadataPath, '.dist-info/METADATA', DEFAULT_LIMITS);
      assert.equal(got.name, m.name, m.path);
      assert.equal(Buffer.from(got.bytes).toString('utf8'), m.meta, m.path);
    }
    // A cp437 name that decodes to "../" is refused like any other.
    const hostile = python<string>(String.raw`
import json, sys, zipfile
p = sys.argv[1] + "/hostile-demo-1.0-py3-none-any.whl"
with zipfile.ZipFile(p, "w") as z:
    z.writestr("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n\n")
    i = zipfile.ZipInfo("../évil"); i.flag_bits &= ~0x800
    z.writestr(i, "x")
print(json.dumps(p))
`, null, [dir]);
    await assert.rejects(readZipMember(hostile, isWheelMetadataPath, 'METADATA', DEFAULT_LIMITS), /"\.\." component/);
  } finally {
    cleanup();
  }
});

test('member paths that pick the metadata file', () => {
  assert.ok(isWheelMetadataPath(['a-1.dist-info', 'METADATA']));
  assert.ok(!isWheelMetadataPath(['a', 'a-1.dist-info', 'METADATA']));
  assert.ok(!isWheelMetadataPath(['a-1.dist-info', 'metadata']));
  assert.ok(!isWheelMetadataPath(['a-1.data', 'METADATA']));
  assert.ok(isSdistMetadataPath(['a-1', 'PKG-INFO']));
  assert.ok(!isSdistMetadataPath(['PKG-INFO']));
  assert.ok(!isSdistMetadataPath(['a-1', 'a.egg-info', 'PKG-INFO']));
});

test('a wheel built by byte with nested METADATA files elsewhere still finds the top-level one', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    const m = await readWheel(dir, buildZip([
      { name: 'demo/__init__.py', data: Buffer.from('x = 1\n') },
      { name: 'demo/vendored/x-1.dist-info/METADATA', data: Buffer.from('nested') },
      { ...okMeta(), method: 0 },
      { name: 'demo-1.0.dist-info/', data: Buffer.alloc(0), method: 0 },
    ]));
    assert.equal(m.name, META);
    assert.equal(Buffer.from(m.bytes).toString(), metadataText('demo', '1.0'));
  } finally {
    cleanup();
  }
});

test('hostile member names anywhere in the archive are InputErrors', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    const names: [string | Buffer, RegExp][] = [
      ['../evil.py', /"\.\." component/],
      ['demo/../../evil.py', /"\.\." component/],
      ['/etc/passwd', /absolute path/],
      ['C:/windows/evil.dll', /drive letter/],
      ['demo\\..\\evil.py', /backslash/],
      ['demo/evil\u0007.py', /control character/],
      ['demo/nul\u0000.py', /control character/],
      ['', /empty name/],
    ];
    for (const [name, re] of names) {
      await rejectsInput(readWheel(dir, buildZip([okMeta(), { name, data: Buffer.from('x') }])), re);
    }
    // A harmless raw name whose Unicode Path extra field says "../evil".
    const raw = Buffer.from('demo/fine.py');
    await rejectsInput(readWheel(dir, buildZip([okMeta(), { name: raw, data: Buffer.from('x'), extra: unicodePathExtra(raw, '../evil.py') }])), /"\.\." component/);
    // The same through python's zipfile, which writes such names as given.
    const p = join(dir, 'py.whl');
    python('import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w")\nz.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: demo\\nVersion: 1.0\\n")\nz.writestr("../../outside.txt", "x")\nz.close()\nprint(1)', null, [p]);
    await rejectsInput(readWheel(dir, readFileSync(p)), /"\.\." component/);
  } finally {
    cleanup();
  }
});

test('missing, duplicated or ambiguous METADATA is an InputError', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    await rejectsInput(readWheel(dir, buildZip([{ name: 'demo/__init__.py', data: Buffer.from('') }])), /no \.dist-info\/METADATA/);
    await rejectsInput(readWheel(dir, buildZip([okMeta(), { name: 'other-2.0.dist-info/METADATA', data: Buffer.from(metadataText('other', '2.0')) }])), /2 \.dist-info\/METADATA files/);
    await rejectsInput(readWheel(dir, buildZip([okMeta(), okMeta()])), /appears twice/);
    await rejectsInput(readWheel(dir, buildZip([okMeta(), { name: 'demo/a.py', data: Buffer.from('1') }, { name: 'demo//a.py', data: Buffer.from('2') }])), /appears twice/);
  } finally {
    cleanup();
  }
});

test('sizes are checked before inflating: too large, lying, short, stored-size mismatch', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    // Declared 1 GiB: refused without inflating anything.
    await rejectsInput(readWheel(dir, buildZip([{ ...okMeta(), declaredSize: 1 << 30 }])), /is 1073741824 bytes, more than the limit of 16777216/);
    // An honest METADATA over a lowered cap.
    await rejectsInput(readWheel(dir, buildZip([okMeta()]), { ...DEFAULT_LIMITS, maxMetadataBytes: 20 }), /more than the limit of 20/);
    // A lying size: declares 100 bytes, inflates to 64 MiB of zeros (a zip bomb). Must stop fast.
    const bomb = Buffer.alloc(64 << 20);
    await rejectsInput(readWheel(dir, buildZip([{ name: META, data: bomb, declaredSize: 100 }])), /declared size/, 1500);
    // Declares more than the data holds.
    await rejectsInput(readWheel(dir, buildZip([{ ...okMeta(), declaredSize: 5000 }])), /declared size/);
    // Stored, with compressed and uncompressed sizes that differ.
    await rejectsInput(readWheel(dir, buildZip([{ ...okMeta(), method: 0, declaredSize: 10 }])), /size mismatch|sizes differ/);
  } finally {
    cleanup();
  }
});

test('corruption: CRC, local header name, encryption, unknown method', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    await rejectsInput(readWheel(dir, buildZip([{ ...okMeta(), crc: 12345 }])), /CRC-32/);
    await rejectsInput(readWheel(dir, buildZip([{ ...okMeta(), localName: 'demo-1.0.dist-info/METADATX' }])), /different name in its local header/);
    await rejectsInput(readWheel(dir, buildZip([{ ...okMeta(), flags: 0x1 }])), /encrypted/);
    const z = buildZip([okMeta()]);
    z.writeUInt16LE(12, 8); // local header: bzip2
    z.writeUInt16LE(12, z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10); // central directory too
    await rejectsInput(readWheel(dir, z), /compression method 12/);
  } finally {
    cleanup();
  }
});

test('not a zip, truncated, empty, too many entries', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    await rejectsInput(readWheel(dir, randomBytes(5000)), /not a zip archive/);
    await rejectsInput(readWheel(dir, Buffer.alloc(0)), /not a zip archive/);
    const real = readFileSync(join(DISTS, 'wheel-0.40.0-py3-none-any.whl'));
    await rejectsInput(readWheel(dir, real.subarray(0, real.length >> 1)), /not a zip archive, or truncated/);
    // Cut inside the central directory: the end record survives, the entries do not.
    const good = buildZip([{ name: 'demo/a.py', data: Buffer.from('x') }, okMeta()]);
    const cdStart = good.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    await rejectsInput(readWheel(dir, Buffer.concat([good.subarray(0, cdStart + 10), good.subarray(good.length - 22)])), /corrupt zip|not a zip/);
    // 300,000 entries claimed (zip64 end record): refused before reading any of them.
    await rejectsInput(readWheel(dir, buildZip([okMeta()], { entryCount: 300_000 })), /300000 archive members, more than the limit of 250000/);
    const many = Array.from({ length: 12 }, (_, i) => ({ name: `demo/m${i}.py`, data: Buffer.from('') }));
    await rejectsInput(readWheel(dir, buildZip([okMeta(), ...many]), { ...DEFAULT_LIMITS, maxEntries: 10 }), /13 archive members/);
  } finally {
    cleanup();
  }
});

test('no file descriptor is left open, whether reading succeeds or fails', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    // File descriptors open on anything in our temp dir or the fixtures (other fds come and go).
    const fds = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          const target = readlinkSync(`/proc/self/fd/${fd}`);
          return target.startsWith(dir) || target.startsWith(DISTS);
        } catch {
          return false;
        }
      }).length;
    const real = join(DISTS, 'wheel-0.40.0-py3-none-any.whl');
    await readDistMetadata(real, parseDistFilename('wheel-0.40.0-py3-none-any.whl'));
    // Closing is asynchronous: wait (bounded) until nothing is open.
    const settled = async () => {
      for (let i = 0; i < 100 && fds() > 0; i++) await new Promise((r) => setTimeout(r, 20));
      return fds();
    };
    assert.equal(await settled(), 0);
    for (let i = 0; i < 10; i++) {
      await readDistMetadata(real, parseDistFilename('wheel-0.40.0-py3-none-any.whl'));
      await readWheel(dir, buildZip([{ ...okMeta(), crc: 1 }])).catch(() => {});
      await readWheel(dir, buildZip([okMeta(), { name: '../x', data: Buffer.from('') }])).catch(() => {});
      await readWheel(dir, randomBytes(100)).catch(() => {});
      await readWheel(dir, buildZip([{ name: META, data: Buffer.alloc(1 << 20), declaredSize: 10 }])).catch(() => {});
    }
    assert.equal(await settled(), 0);
  } finally {
    cleanup();
  }
});

test('a missing wheel is a UsageError naming it', async () => {
  await assert.rejects(
    readZipMember('/nonexistent/demo-1.0-py3-none-any.whl', isWheelMetadataPath, 'METADATA', DEFAULT_LIMITS),
    (e: unknown) => e instanceof UsageError && /nonexistent\/demo/.test(e.message),
  );
});

test('legacy .zip sdist: <top>/PKG-INFO at depth one', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    const p = join(dir, 'demo-1.0.zip');
    writeFileSync(p, buildZip([
      { name: 'demo-1.0/demo.egg-info/PKG-INFO', data: Buffer.from('nested') },
      { name: 'demo-1.0/PKG-INFO', data: Buffer.from(metadataText('demo', '1.0')) },
      { name: 'demo-1.0/setup.py', data: Buffer.from('') },
    ]));
    const m = await readDistMetadata(p, parseDistFilename('demo-1.0.zip'));
    assert.equal(m.name, 'demo-1.0/PKG-INFO');
    writeFileSync(p, buildZip([{ name: 'demo-1.0/PKG-INFO', data: Buffer.from('a') }, { name: 'x/../../PKG-INFO', data: Buffer.from('b') }]));
    await rejectsInput(readDistMetadata(p, parseDistFilename('demo-1.0.zip')), /"\.\." component/);
  } finally {
    cleanup();
  }
});

test('property: any mutation of a valid wheel gives its metadata or an InputError, quickly', async () => {
  const { dir, cleanup } = tempDir('distsum-zip-');
  try {
    const base = buildZip([{ name: 'demo/__init__.py', data: Buffer.from('print(1)\n'.repeat(20)) }, okMeta()]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(base.length), async (flips, cut) => {
        const z = Buffer.from(base);
        for (const [i, b] of flips) z[i] = b;
        try {
          const m = await readWheel(dir, cut % 7 === 0 ? z.subarray(0, cut) : z);
          assert.equal(m.name, META);
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
