/**
 * CRC-32 (the ISO-HDLC polynomial of zip, PNG and gzip), used to detect corrupted model files.
 *
 * @module
 */

let tables: Uint32Array[] | undefined;

// Slicing-by-4: four tables let the loop consume a 32-bit word per step (several times faster
// than a byte at a time, which matters for checking a model file at load).
function makeTables(): Uint32Array[] {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  const out = [t0];
  for (let k = 1; k < 4; k++) {
    const prev = out[k - 1], t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n] >>> 8) ^ t0[prev[n] & 0xff];
    out.push(t);
  }
  return out;
}

/**
 * Computes the CRC-32 of some bytes.
 *
 * @param bytes The data.
 * @returns The checksum as an unsigned 32-bit integer.
 * @example Checking the standard test vector
 * ```ts
 * import { crc32 } from "./crc32.ts";
 * crc32(new TextEncoder().encode("123456789")); // 0xcbf43926
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  const [t0, t1, t2, t3] = tables ??= makeTables();
  let c = 0xffffffff;
  let i = 0;
  // Bytes up to a 4-byte boundary, then whole words through an aligned view (little-endian).
  const head = Math.min(bytes.length, (4 - (bytes.byteOffset & 3)) & 3);
  for (; i < head; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  const words = (bytes.byteOffset + i) & 3
    ? new Uint32Array(0) // too short to reach a boundary
    : new Uint32Array(bytes.buffer, bytes.byteOffset + i, (bytes.length - i) >>> 2);
  for (let w = 0; w < words.length; w++) {
    c ^= words[w];
    c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
  }
  i += words.length * 4;
  for (; i < bytes.length; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Formats a CRC-32 as the 8 lower-case hex digits stored in model metadata.
 *
 * @param bytes The data.
 * @returns For example "cbf43926".
 */
export function crc32Hex(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, "0");
}
