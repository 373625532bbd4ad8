// Builds tar archives byte by byte (ustar headers, pax and GNU records), for cases that
// python's tarfile will not write.

/** One tar record: a header plus its data, padded to 512-byte blocks. */
export interface TarRecord {
  name: string;
  data?: Buffer;
  /** Type flag, '0' by default. */
  type?: string;
  linkname?: string;
  /** Overrides the size field (the data written stays `data`). */
  size?: number;
  /** Overrides the checksum field. */
  checksum?: number;
}

function field(buf: Buffer, off: number, len: number, value: string) {
  Buffer.from(value, 'utf8').copy(buf, off, 0, len);
}

/** A 512-byte ustar header for `r`. */
export function tarHeader(r: TarRecord): Buffer {
  const h = Buffer.alloc(512);
  field(h, 0, 100, r.name);
  field(h, 100, 8, '0000644\0');
  field(h, 108, 8, '0000000\0');
  field(h, 116, 8, '0000000\0');
  field(h, 124, 12, (r.size ?? r.data?.length ?? 0).toString(8).padStart(11, '0') + '\0');
  field(h, 136, 12, '00000000000\0');
  h.write(r.type ?? '0', 156, 'latin1');
  field(h, 157, 100, r.linkname ?? '');
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  field(h, 148, 8, (r.checksum ?? sum).toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** Header + data + padding. */
export function tarRecord(r: TarRecord): Buffer {
  const data = r.data ?? Buffer.alloc(0);
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([tarHeader(r), data, Buffer.alloc(pad)]);
}

/** A pax extended header record ('x') carrying `fields` for the next member. */
export function paxRecord(fields: Record<string, string>): Buffer {
  let body = '';
  for (const [k, v] of Object.entries(fields)) {
    const rest = ` ${k}=${v}\n`;
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
    body += `${len}${rest}`;
  }
  return tarRecord({ name: 'PaxHeader', type: 'x', data: Buffer.from(body, 'utf8') });
}

/** A whole archive: the records, then the two zero blocks that end it. */
export function tarArchive(records: Buffer[]): Buffer {
  return Buffer.concat([...records, Buffer.alloc(1024)]);
}
