/** Byte strings as JS strings of char codes 0..255: a lossless Map key for arbitrary bytes. */

/** Bytes -> key string. */
export function bytesToKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
