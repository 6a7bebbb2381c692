/**
 * GPT-2's reversible map between bytes and printable Unicode characters: printable Latin-1 bytes
 * ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 bytes, in increasing order,
 * map to U+0100, U+0101, …. Byte-level BPE vocabularies (encoder.json, vocab.bpe) spell their
 * tokens in this alphabet, so a space is 'Ġ' and a newline 'Ċ'.
 */

/** byte -> character. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    out[b] = String.fromCharCode(printable ? b : 256 + n++);
  }
  return out;
})();

/** character -> byte. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** Spells bytes in the byte-level alphabet. */
export function bytesToUnicode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]!];
  return s;
}

/** Reads a byte-level spelling back to bytes; undefined when a character is outside the alphabet. */
export function unicodeToBytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CHAR_TO_BYTE.get(s[i]!);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}
