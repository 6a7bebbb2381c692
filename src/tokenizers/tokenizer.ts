/**
 * The common tokenizer interface that {@link Llama2cTokenizer} and {@link BpeTokenizer} satisfy,
 * and loading either kind from a file, a directory or bytes.
 *
 * Formats recognised: llama2.c's `tokenizer.bin` / `tok512.bin`; storygrad's BPE `tokenizer.json`
 * (`BpeTokenizer.toJSON`); Hugging Face `tokenizer.json` of the GPT-2 family (byte-level BPE); and,
 * in a directory, GPT-2's `vocab.json` + `merges.txt` (or `encoder.json` + `vocab.bpe`).
 */
import { Llama2cTokenizer } from './llama2c.js';
import { BpeFormatError, BpeTokenizer } from './bpe.js';
import { bpeFromHFTokenizerJSON, isHFTokenizerJSON } from './hf-json.js';
import { baseName, joinPath, pathKind, readFileBytes } from '../io/files.js';

/** Incremental decoding of generated ids: text is returned as soon as its characters are complete. */
export interface TokenStreamDecoder {
  /** Feeds one id; returns the text it completes (possibly ''). */
  push(id: number): string;
  /** Ends the stream; an incomplete trailing character becomes U+FFFD. */
  flush(): string;
}

/** A tokenizer file to save beside a checkpoint. */
export interface TokenizerFile {
  name: 'tokenizer.bin' | 'tokenizer.json';
  bytes: Uint8Array;
}

/** What every storygrad tokenizer provides. */
export interface Tokenizer {
  /** 'llama2c' (SentencePiece-style, llama2.c files) or 'bpe' (byte-level BPE). */
  readonly kind: 'llama2c' | 'bpe';
  /** Number of token ids. */
  readonly vocabSize: number;
  /** Beginning-of-sequence id (llama2c: 1; BPE: `<|endoftext|>`), undefined when there is none. */
  readonly bosId: number | undefined;
  /** End-of-sequence id (llama2c: 2; BPE: `<|endoftext|>`), undefined when there is none. */
  readonly eosId: number | undefined;
  /** Text to ids (llama2c prepends BOS, as llama2.c does; BPE adds nothing). */
  encode(text: string): number[];
  /** Ids to text. */
  decode(ids: ArrayLike<number>): string;
  /** A decoder for streamed generation. */
  streamDecoder(): TokenStreamDecoder;
  /** The tokenizer as a file (`tokenizer.bin` for llama2c, `tokenizer.json` for BPE). */
  toFile(): TokenizerFile;
}

/** File names looked up in a directory, in order. */
const DIR_FILES = ['tokenizer.bin', 'tokenizer.json'] as const;
/** GPT-2 style vocabulary + merges pairs looked up in a directory. */
const DIR_PAIRS = [['vocab.json', 'merges.txt'], ['encoder.json', 'vocab.bpe']] as const;

/**
 * Parses tokenizer bytes. `name` (a file name or path) picks the format by extension (`.json`:
 * BPE JSON; otherwise llama2.c's binary format); without one, content that starts with `{` is
 * JSON. Errors name the file and what it was expected to be.
 */
export function tokenizerFromBytes(bytes: Uint8Array, name = '(bytes)'): Tokenizer {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  const json = /\.json$/i.test(name) || (!/\.bin$/i.test(name) && bytes[i] === 0x7b);
  try {
    if (!json) return Llama2cTokenizer.fromBytes(bytes);
    let j: unknown;
    try {
      j = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new BpeFormatError(`not valid JSON: ${(e as Error).message}`);
    }
    if ((j as { type?: unknown } | null)?.type === 'storygrad-bpe') return BpeTokenizer.fromJSON(j as never);
    if (isHFTokenizerJSON(j)) return bpeFromHFTokenizerJSON(j);
    throw new BpeFormatError(
      'neither a storygrad BPE tokenizer.json (type "storygrad-bpe") nor a Hugging Face tokenizer.json ' +
      '(a GPT-2 vocab.json needs its merges.txt: pass the directory holding both)',
    );
  } catch (e) {
    const kind = json ? 'BPE tokenizer JSON' : "llama2.c tokenizer (.bin)";
    throw new Error(`storygrad: cannot read ${name} as a ${kind}: ${(e as Error).message}`);
  }
}

/**
 * The tokenizer file in a directory, or undefined: `tokenizer.bin`, `tokenizer.json`, then
 * `vocab.json` + `merges.txt` or `encoder.json` + `vocab.bpe` (the returned path is the vocab file).
 */
export async function findTokenizerIn(dir: string): Promise<string | undefined> {
  for (const f of DIR_FILES) if ((await pathKind(joinPath(dir, f))) === 'file') return joinPath(dir, f);
  for (const [v, m] of DIR_PAIRS) {
    if ((await pathKind(joinPath(dir, v))) === 'file' && (await pathKind(joinPath(dir, m))) === 'file') return joinPath(dir, v);
  }
  return undefined;
}

/**
 * Loads a tokenizer from a file (llama2.c `.bin`, BPE `.json`, by extension or content) or from
 * a directory holding one (see {@link findTokenizerIn}). Node and Deno only.
 */
export async function loadTokenizerFile(path: string): Promise<Tokenizer> {
  const kind = await pathKind(path);
  if (kind === 'missing') throw new Error(`storygrad: tokenizer not found: ${path}`);
  let file = path;
  if (kind === 'dir') {
    const found = await findTokenizerIn(path);
    if (!found) {
      throw new Error(`storygrad: no tokenizer in directory ${path} (looked for ${DIR_FILES.join(', ')}, ${DIR_PAIRS.map((p) => p.join(' + ')).join(', ')})`);
    }
    file = found;
  }
  const pair = DIR_PAIRS.find(([v]) => baseName(file) === v);
  if (kind === 'dir' && pair) {
    const dir = file.slice(0, file.length - pair[0].length);
    const vocab = new TextDecoder().decode(await readFileBytes(file, 'tokenizer vocabulary'));
    const merges = new TextDecoder().decode(await readFileBytes(dir + pair[1], 'tokenizer merges'));
    try {
      return BpeTokenizer.fromGPT2(vocab, merges);
    } catch (e) {
      throw new Error(`storygrad: cannot read ${file} + ${pair[1]} as GPT-2 BPE files: ${(e as Error).message}`);
    }
  }
  return tokenizerFromBytes(await readFileBytes(file, 'tokenizer'), file);
}
