// Reads one member of a zip archive (a wheel's METADATA, a legacy zip sdist's PKG-INFO) without
// extracting anything, treating the archive as hostile: every member name is checked, the member
// must be unique, its declared size is checked before inflating, and the inflated bytes must
// match the declared size and CRC (a "lying size" entry is a classic zip bomb).

import { crc32 } from 'node:zlib';
import { close, fstat, open, read } from 'node:fs';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { InputError } from '../errors.ts';
import { fileReadError } from '../digest/file.ts';
import { memberPath } from './member-name.ts';
import type { ArchiveLimits } from './limits.ts';

/** One member read out of an archive. */
export interface ArchiveMember {
  /** The member's name as stored in the archive. */
  name: string;
  bytes: Uint8Array;
}

/**
 * Reads the single member of the zip file `archive` whose path components satisfy `pick`
 * (`what` names it in messages). Throws InputError naming the archive when it is not a zip, is
 * truncated or corrupt, has more than `limits.maxEntries` members, any unsafe or duplicate member
 * name, no or several matching members, or a matching member that is encrypted, larger than
 * `limits.maxMetadataBytes`, or whose data disagrees with its declared size, name or CRC.
 */
export async function readZipMember(
  archive: string,
  pick: (parts: readonly string[]) => boolean,
  what: string,
  limits: ArchiveLimits,
): Promise<ArchiveMember> {
  let fd: number;
  let size: number;
  try {
    fd = await promisify(open)(archive, 'r');
  } catch (e) {
    throw fileReadError(archive, e);
  }
  let zip: ZipFile;
  try {
    const st = await promisify(fstat)(fd);
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    size = st.size;
  } catch (e) {
    close(fd, () => {});
    throw fileReadError(archive, e);
  }
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(new BlockReader(fd, size), size, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
      validateEntrySizes: true,
    });
  } catch (e) {
    close(fd, () => {});
    if ((e as NodeJS.ErrnoException).code) throw fileReadError(archive, e);
    throw new InputError(`${archive}: not a zip archive, or truncated (${oneLine(e)})`, { cause: e });
  }
  // Errors after the scan (closing the fd, say) must not become an unhandled 'error' event.
  zip.on('error', () => {});
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new InputError(`${archive}: ${zip.entryCount} archive members, more than the limit of ${limits.maxEntries}`);
    }
    const seen = new Set<string>();
    const found: { entry: Entry; name: string }[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        const raw = entry.fileNameRaw;
        const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
        const parts = memberPath(archive, name);
        // The raw bytes are what Python's zipfile uses; they must be safe too.
        memberPath(archive, raw.toString('latin1'));
        const key = parts.join('/');
        if (seen.has(key)) throw new InputError(`${archive}: archive member ${JSON.stringify(key)} appears twice; the archive is broken or hostile`);
        seen.add(key);
        if (pick(parts) && !name.endsWith('/')) found.push({ entry, name });
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`${archive}: corrupt zip archive (${oneLine(e)})`, { cause: e });
    }
    if (found.length === 0) throw new InputError(`${archive}: no ${what} in the archive`);
    if (found.length > 1) {
      throw new InputError(`${archive}: ${found.length} ${what} files (${found.map((f) => f.name).join(', ')}); expected exactly one`);
    }
    const { entry, name } = found[0];
    return { name, bytes: await readEntry(archive, zip, entry, name, limits) };
  } finally {
    zip.close();
  }
}

async function readEntry(archive: string, zip: ZipFile, entry: Entry, name: string, limits: ArchiveLimits): Promise<Uint8Array> {
  const bad = (why: string, cause?: unknown) => new InputError(`${archive}: ${name} ${why}`, { cause });
  if (entry.uncompressedSize > limits.maxMetadataBytes) {
    throw bad(`is ${entry.uncompressedSize} bytes, more than the limit of ${limits.maxMetadataBytes}`);
  }
  if (entry.generalPurposeBitFlag & 0x1) throw bad('is encrypted');
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw bad(`uses compression method ${entry.compressionMethod}; only stored and deflate are allowed`);
  }
  if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
    throw bad('is stored uncompressed but its compressed and uncompressed sizes differ');
  }
  let stream;
  try {
    const local = await zip.readLocalFileHeaderPromise(entry);
    if (!local.fileName.equals(entry.fileNameRaw)) {
      throw bad(`has a different name in its local header (${JSON.stringify(local.fileName.toString('latin1'))}); the archive is broken or hostile`);
    }
    stream = await zip.openReadStreamPromise(entry);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw bad(`cannot be read (${oneLine(e)})`, e);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      // validateEntrySizes already stops at the declared size; this bound does not depend on it.
      if (total > entry.uncompressedSize) throw bad('inflates to more bytes than its declared size; the archive is broken or hostile');
      chunks.push(chunk);
    }
  } catch (e) {
    (stream as { destroy?: () => void }).destroy?.();
    if (e instanceof InputError) throw e;
    throw bad(`does not match its declared size or is corrupt (${oneLine(e)}); the archive is broken or hostile`, e);
  }
  const bytes = Buffer.concat(chunks, total);
  if (total !== entry.uncompressedSize) throw bad('is shorter than its declared size; the archive is broken or hostile');
  if (crc32(bytes) !== entry.crc32) throw bad('fails its CRC-32 check; the archive is corrupt');
  return bytes;
}

// yauzl reads the central directory with two small reads per member; through its default fd
// reader that is two trips to libuv's pool each (measured: 8 s for 200,000 members). This reader
// serves small reads from one cached block, so the scan costs a read per block. Blocks start at
// 64 KiB (most wheels need three reads: the tail, the directory, one member's header) and double up
// to 1 MiB while reads continue where the last block ended (a long central directory). (A class
// because yauzl's reader interface is a prototype to extend.)
class BlockReader extends yauzl.RandomAccessReader {
  private block = Buffer.alloc(0);
  private blockStart = 0;
  private blockSize = 64 << 10;
  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {
    super();
  }
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const copy = () => {
      this.block.copy(buffer, offset, position - this.blockStart, position - this.blockStart + length);
      callback(null);
    };
    if (position >= this.blockStart && position + length <= this.blockStart + this.block.length) return copy();
    // A whole block, but never past the end of the file (the first read is the file's tail).
    const sequential = this.block.length > 0 && position >= this.blockStart && position <= this.blockStart + this.block.length;
    this.blockSize = sequential ? Math.min(this.blockSize * 2, 1 << 20) : 64 << 10;
    const want = Math.max(length, Math.min(this.blockSize, this.size - position));
    const fresh = Buffer.allocUnsafe(want);
    read(this.fd, fresh, 0, want, position, (err, n) => {
      if (err) return callback(err);
      if (n < length) return callback(new Error('unexpected EOF'));
      this.block = fresh.subarray(0, n);
      this.blockStart = position;
      copy();
    });
  }
  // Positional reads that never close the fd (an fs.ReadStream closes it when destroyed).
  override _readStreamForRange(start: number, end: number): Readable {
    const fd = this.fd;
    let pos = start;
    return new Readable({
      highWaterMark: 64 << 10,
      read(want) {
        const n = Math.min(want, end - pos);
        if (n <= 0) return void this.push(null);
        const buf = Buffer.allocUnsafe(n);
        read(fd, buf, 0, n, pos, (err, got) => {
          if (err) return this.destroy(err);
          if (got === 0) return this.destroy(new Error('unexpected EOF'));
          pos += got;
          this.push(buf.subarray(0, got));
        });
      },
    });
  }
  override close(callback: (err: Error | null) => void): void {
    close(this.fd, callback);
  }
}

/** The first line of an error's message, for wrapping library errors into ours. */
export function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0];
}
