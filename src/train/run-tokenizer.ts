/**
 * The tokenizer of a training run, chosen by a spec: `bpe:N` trains a byte-level BPE of N tokens
 * on (a prefix of) the training text; a path loads a llama2.c `tokenizer.bin` or a storygrad BPE
 * `.json`. The run directory keeps a copy (`tokenizer.bin` / `tokenizer.json`) so a run can be
 * resumed or sampled without the original file. Node/Deno only.
 */
import { BpeTokenizer } from '../tokenizers/bpe.js';
import { Llama2cTokenizer } from '../tokenizers/llama2c.js';

/** A tokenizer as a run uses it: text <-> ids plus what shards and sampling need. */
export interface RunTokenizer {
  kind: 'llama2c' | 'bpe';
  vocabSize: number;
  /** Ids of a text, without BOS/EOS. */
  encode(text: string): number[];
  decode(ids: number[]): string;
  /** Id put before every document in the shards and used as the sampling prompt (BOS / `<|endoftext|>`). */
  separatorId: number;
  /** Ids that end a generated story. */
  stopIds: number[];
  /** File name inside the run directory and its bytes. */
  fileName: 'tokenizer.bin' | 'tokenizer.json';
  bytes: Uint8Array;
}

/** Wraps a llama2.c tokenizer (BOS = 1 separates documents, like llama2.c's pretokenized data). */
export function llama2cRunTokenizer(bytes: Uint8Array): RunTokenizer {
  const tok = Llama2cTokenizer.fromBytes(bytes);
  return {
    kind: 'llama2c',
    vocabSize: tok.vocabSize,
    encode: (text) => tok.encode(text, { bos: false, eos: false }),
    decode: (ids) => tok.decode(ids.filter((id) => id !== 1 && id !== 2)),
    separatorId: 1,
    stopIds: [1, 2],
    fileName: 'tokenizer.bin',
    bytes,
  };
}

/** Wraps a BPE tokenizer; `<|endoftext|>` separates documents. */
export function bpeRunTokenizer(tok: BpeTokenizer): RunTokenizer {
  const eot = tok.endOfTextId;
  if (eot === undefined) throw new Error("storygrad: the BPE tokenizer has no '<|endoftext|>' token to separate documents");
  return {
    kind: 'bpe',
    vocabSize: tok.vocabSize,
    encode: (text) => tok.encode(text, { allowSpecial: false }),
    decode: (ids) => tok.decode(ids.filter((id) => id !== eot)),
    separatorId: eot,
    stopIds: [eot],
    fileName: 'tokenizer.json',
    bytes: new TextEncoder().encode(JSON.stringify(tok.toJSON())),
  };
}

/** Loads a tokenizer file: llama2.c binary, or storygrad BPE JSON (by content). */
export function runTokenizerFromFile(bytes: Uint8Array, path: string): RunTokenizer {
  let first = 0;
  while (first < bytes.length && /\s/.test(String.fromCharCode(bytes[first]!))) first++;
  if (bytes[first] === 0x7b) {
    try {
      return bpeRunTokenizer(BpeTokenizer.fromJSON(new TextDecoder().decode(bytes)));
    } catch (e) {
      throw new Error(`storygrad: ${path}: not a storygrad BPE tokenizer JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  try {
    return llama2cRunTokenizer(bytes);
  } catch (e) {
    throw new Error(`storygrad: ${path}: not a llama2.c tokenizer.bin or a BPE .json (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Most text used to train a `bpe:N` vocabulary (a prefix of the training file). */
export const BPE_TRAIN_BYTES = 8 << 20;

/**
 * Resolves a `--tokenizer` spec: `bpe:N` trains on the first BPE_TRAIN_BYTES of `dataPath`;
 * anything else is a path to a tokenizer file.
 */
export async function resolveRunTokenizer(spec: string, dataPath: string, log: (line: string) => void = () => {}): Promise<RunTokenizer> {
  const fs = await import('node:fs/promises');
  const m = /^bpe:(\d+)$/.exec(spec);
  if (m) {
    const vocabSize = Number(m[1]);
    if (vocabSize < 257 || vocabSize > 65536) throw new Error(`storygrad: --tokenizer bpe:N needs 257 <= N <= 65536, got ${vocabSize}`);
    const handle = await fs.open(dataPath, 'r');
    let text: string;
    try {
      const size = (await handle.stat()).size;
      const buf = new Uint8Array(Math.min(size, BPE_TRAIN_BYTES));
      await handle.read(buf, 0, buf.length, 0);
      text = new TextDecoder().decode(buf);
    } finally {
      await handle.close();
    }
    const t0 = performance.now();
    const tok = BpeTokenizer.train(text.replaceAll('<|endoftext|>', '\n'), { vocabSize });
    log(`tokenizer: trained a ${tok.vocabSize}-token BPE on ${(text.length / 1e6).toFixed(1)} MB of ${dataPath} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return bpeRunTokenizer(tok);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(spec));
  } catch {
    throw new Error(`storygrad: --tokenizer: '${spec}' is neither bpe:N nor a readable file`);
  }
  const tok = runTokenizerFromFile(bytes, spec);
  log(`tokenizer: ${tok.kind} from ${spec}, ${tok.vocabSize} tokens`);
  return tok;
}
