/**
 * A token shard cached next to a run: `cachedShard` tokenizes a text file once and reuses the
 * shard while it still matches. A shard matches when its header's tokenizer hash (the caller's
 * tokenizer key folded with the vocab size, separator id, split mode and UTF-8 policy) and the
 * text file's size and mtime recorded at tokenization equal the current ones, and the shard reads
 * back valid (header and data checksums). Anything else (missing, other tokenizer, edited text,
 * corrupt file) rebuilds it, atomically, so concurrent runs never see a torn shard.
 *
 * File name: `<text stem>.<hash of the text's absolute path>-<tokenizer hash>.sgtok` in the cache
 * directory, so several texts and tokenizers share one directory. Old shards are not deleted.
 */
import { fnv1a32, hex32 } from './hash.js';
import { SHARD_VERSION, ShardFormatError } from './shard.js';
import type { Shard } from './shard.js';
import { readShard, readShardHeader } from './shard-file.js';
import { checkTokenizer, tokenizeToShard } from './tokenize-file.js';
import type { TextTokenizer, TokenizeToShardOptions } from './tokenize-file.js';

/** Options of {@link cachedShard}: those of tokenizeToShard, less the hash it computes itself. */
export type CachedShardOptions = Omit<TokenizeToShardOptions, 'tokenizerHash'>;

/** What {@link cachedShard} returns. */
export interface CachedShardResult {
  /** The shard file. */
  path: string;
  /** The shard, read and verified. */
  shard: Shard;
  /** True when an existing shard was used, false when it was (re)built. */
  reused: boolean;
  /** Why it was (re)built, or 'up to date'. */
  reason: string;
}

/**
 * The tokenizer hash stored in cached shards: FNV-1a of the caller's key (a name, or the
 * tokenizer file's bytes) and of every option that changes the ids.
 */
export function shardCacheHash(tokenizerKey: string | Uint8Array, tokenizer: Pick<TextTokenizer, 'vocabSize'>, options: CachedShardOptions): number {
  const keyHash = fnv1a32(tokenizerKey);
  const opts = JSON.stringify({
    v: SHARD_VERSION,
    vocab: tokenizer.vocabSize,
    sep: options.docSeparatorId,
    split: options.split ?? 'auto',
    utf8: options.invalidUtf8 ?? 'error',
    max: options.maxDocumentChars ?? null,
  });
  return fnv1a32(opts, keyHash);
}

/**
 * Returns the shard for `textPath` from `cacheDir` (created if missing), building it with
 * {@link tokenizeToShard} when there is none or it no longer matches. `tokenizerKey` identifies
 * the tokenizer: pass its file's bytes (or a name that changes whenever the tokenizer does).
 */
export async function cachedShard(
  textPath: string,
  cacheDir: string,
  tokenizer: TextTokenizer,
  tokenizerKey: string | Uint8Array,
  options: CachedShardOptions,
): Promise<CachedShardResult> {
  if (typeof tokenizerKey !== 'string' && !(tokenizerKey instanceof Uint8Array)) {
    throw new TypeError('tokenizerKey must be a string or the tokenizer file bytes (Uint8Array)');
  }
  checkTokenizer(tokenizer, options?.docSeparatorId);
  const fs = await import('node:fs/promises');
  const pathMod = await import('node:path');
  const abs = pathMod.resolve(textPath);
  const hash = shardCacheHash(tokenizerKey, tokenizer, options);
  const stem = pathMod.basename(abs).replace(/\.[^.]*$/, '') || 'text';
  const path = pathMod.join(cacheDir, `${stem}.${hex32(fnv1a32(abs))}-${hex32(hash)}.sgtok`);
  const text = await fs.stat(abs);

  let reason: string;
  try {
    const h = await readShardHeader(path);
    if (h.tokenizerHash !== hash || h.vocabSize !== tokenizer.vocabSize) reason = 'tokenizer or options changed';
    else if (h.sourceBytes !== text.size || h.sourceMtimeMs !== text.mtimeMs) {
      reason = `text changed (size ${h.sourceBytes} -> ${text.size}, mtime ${h.sourceMtimeMs} -> ${text.mtimeMs})`;
    } else {
      const shard = await readShard(path);
      return { path, shard, reused: true, reason: 'up to date' };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') reason = 'no cached shard';
    else if (e instanceof ShardFormatError) reason = `cached shard unreadable: ${e.message}`;
    else throw e;
  }
  await fs.mkdir(cacheDir, { recursive: true });
  await tokenizeToShard(abs, path, tokenizer, { ...options, tokenizerHash: hash });
  const shard = await readShard(path);
  return { path, shard, reused: false, reason };
}
