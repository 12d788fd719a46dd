// A small reader of zip archives (PKWARE APPNOTE 6.3): the end-of-central-directory record (with its
// ZIP64 variant), the central directory, local headers, and entries stored (method 0, what torch.save
// and numpy.savez write) or deflated (method 8, numpy.savez_compressed; inflated with node's zlib).
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { DataFileError } from './npy.ts';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the local file header. */
  localOffset: number;
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();

  constructor(
    readonly bytes: Buffer,
    readonly file: string,
  ) {
    const b = bytes;
    const min = Math.max(0, b.length - 22 - 0xffff);
    let eocd = -1;
    for (let i = b.length - 22; i >= min; i--)
      if (b.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    if (eocd < 0 && !isZip(b)) return; // not a zip: callers check isZip(bytes) and say what the file is
    if (eocd < 0) throw new DataFileError(file, 'not a zip archive (no end-of-central-directory record)');
    let count = b.readUInt16LE(eocd + 10);
    let cdOffset = b.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || b.readUInt32LE(loc) !== 0x07064b50) throw new DataFileError(file, 'bad zip: ZIP64 locator missing');
      const z = Number(b.readBigUInt64LE(loc + 8));
      if (z + 56 > b.length || b.readUInt32LE(z) !== 0x06064b50) throw new DataFileError(file, 'bad zip: ZIP64 end record missing');
      count = Number(b.readBigUInt64LE(z + 32));
      cdOffset = Number(b.readBigUInt64LE(z + 48));
    }
    let p = cdOffset;
    for (let n = 0; n < count; n++) {
      if (p + 46 > b.length || b.readUInt32LE(p) !== 0x02014b50) throw new DataFileError(file, `bad zip: central directory entry ${n} is damaged`);
      const method = b.readUInt16LE(p + 10);
      let compressedSize = b.readUInt32LE(p + 20);
      let size = b.readUInt32LE(p + 24);
      const nameLen = b.readUInt16LE(p + 28);
      const extraLen = b.readUInt16LE(p + 30);
      const commentLen = b.readUInt16LE(p + 32);
      let localOffset = b.readUInt32LE(p + 42);
      const name = b.toString('utf8', p + 46, p + 46 + nameLen);
      // ZIP64 extended information (header id 1): the 64-bit values of the fields that are 0xffffffff, in order
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = b.readUInt16LE(e);
        const len = b.readUInt16LE(e + 2);
        if (id === 1) {
          let q = e + 4;
          if (size === 0xffffffff) {
            size = Number(b.readBigUInt64LE(q));
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = Number(b.readBigUInt64LE(q));
            q += 8;
          }
          if (localOffset === 0xffffffff) {
            localOffset = Number(b.readBigUInt64LE(q));
            q += 8;
          }
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, localOffset });
      p = eEnd + commentLen;
    }
  }

  static open(file: string): ZipArchive {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new DataFileError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return new ZipArchive(bytes, file);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The bytes of an entry (a view into the archive for stored entries). */
  read(name: string): Uint8Array {
    const en = this.entries.get(name);
    if (!en) throw new DataFileError(this.file, `zip entry '${name}' is missing`);
    const b = this.bytes;
    const h = en.localOffset;
    if (h + 30 > b.length || b.readUInt32LE(h) !== 0x04034b50) throw new DataFileError(this.file, `bad zip: local header of '${name}' is damaged`);
    const start = h + 30 + b.readUInt16LE(h + 26) + b.readUInt16LE(h + 28);
    const end = start + en.compressedSize;
    if (end > b.length) throw new DataFileError(this.file, `truncated: zip entry '${name}' ends past the end of the file`);
    const raw = b.subarray(start, end);
    if (en.method === 0) return raw;
    if (en.method === 8) {
      const out = inflateRawSync(raw);
      if (out.length !== en.size) throw new DataFileError(this.file, `bad zip: '${name}' inflates to ${out.length} bytes, expected ${en.size}`);
      return out;
    }
    throw new DataFileError(this.file, `zip entry '${name}' uses compression method ${en.method} (accepted: stored, deflate)`);
  }
}

/** True if the file starts with a local file header ("PK\x03\x04"). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}
