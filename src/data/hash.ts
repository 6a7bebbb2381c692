/**
 * 32-bit hashes for the data layer: FNV-1a over bytes or UTF-8 text (tokenizer keys, cache
 * names) and a token-level FNV-1a variant (one xor-multiply per token id, not per byte) used as
 * the shard's data checksum. Both are incremental: pass the previous value as `h` to continue.
 * Not cryptographic; they detect accidents (another tokenizer, a torn or bit-flipped file).
 */

/** FNV-1a 32-bit offset basis: the initial value of every hash here. */
export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over bytes, or over the UTF-8 bytes of a string. Returns an unsigned 32-bit value. */
export function fnv1a32(data: Uint8Array | string, h: number = FNV_OFFSET): number {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h >>> 0;
}

/**
 * Checksum of token ids: FNV-1a with each whole id (up to 32 bits) as the unit, so it is the
 * same whether the ids sit in a Uint16Array or a Uint32Array. Returns an unsigned 32-bit value.
 */
export function tokenChecksum(tokens: ArrayLike<number>, h: number = FNV_OFFSET, start = 0, end = tokens.length): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ tokens[i]!, FNV_PRIME);
  return h >>> 0;
}

/** An unsigned 32-bit value as 8 lowercase hex digits. */
export function hex32(h: number): string {
  return (h >>> 0).toString(16).padStart(8, '0');
}
