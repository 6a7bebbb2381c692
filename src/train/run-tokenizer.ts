/**
 * The tokenizer of a training run, chosen by a spec: `bpe:N` trains a byte-level BPE of N tokens
 * on (a prefix of) the training text; a path loads a llama2.c `tokenizer.bin` or a storygrad BPE
 * `.json`. The run directory keeps a copy (`tokenizer.bin` / `tokenizer.json`) so a run can be
 * resumed or sampled without the original file. Node/Deno only.
 */
import { BpeTokenizer } from '../tokenizers/bpe.js';
import { Llama2cTokenizer } from '../tokenizers/llama2c.js';
import { tokenizerFromBytes, type Tokenizer } from '../tokenizers/tokenizer.js';

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

/**
 * A run's view of a tokenizer: ids without BOS/EOS, the document separator (BOS for llama2.c, as
 * in llama2.c's pretokenized data; `<|endoftext|>` for BPE), and the ids that end a story.
 */
export function runTokenizer(tok: Tokenizer): RunTokenizer {
  const sep = tok.bosId;
  if (sep === undefined) throw new Error(`storygrad: the ${tok.kind} tokenizer has no BOS / '<|endoftext|>' id to separate documents`);
  const special = new Set([tok.bosId, tok.eosId].filter((x): x is number => x !== undefined));
  const file = tok.toFile();
  return {
    kind: tok.kind,
    vocabSize: tok.vocabSize,
    encode: tok instanceof Llama2cTokenizer ? (text) => tok.encode(text, { bos: false, eos: false }) : tok instanceof BpeTokenizer ? (text) => tok.encode(text, { allowSpecial: false }) : (text) => tok.encode(text).filter((id) => !special.has(id)),
    decode: (ids) => tok.decode(ids.filter((id) => !special.has(id))),
    separatorId: sep,
    stopIds: [...special],
    fileName: file.name,
    bytes: file.bytes,
  };
}

/** Loads a tokenizer file (llama2.c binary, or BPE JSON) as a run tokenizer. */
export function runTokenizerFromFile(bytes: Uint8Array, path: string): RunTokenizer {
  return runTokenizer(tokenizerFromBytes(bytes, path));
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
    return runTokenizer(tok);
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
