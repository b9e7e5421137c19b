/**
 * CRC-32 (the ISO-HDLC polynomial of zip, PNG and gzip), used to detect corrupted model files.
 *
 * @module
 */

let table: Uint32Array | undefined;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
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
  const t = table ??= makeTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
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
