/**
 * Hugging Face `tokenizer.json` files of the GPT-2 family (byte-level BPE: GPT-2, GPT-Neo and the
 * released TinyStories models) read into a {@link BpeTokenizer}. The file holds the same data as
 * GPT-2's encoder.json + vocab.bpe: `model.vocab` (token -> id in the byte alphabet),
 * `model.merges` ("a b" strings, or [a, b] pairs in newer files) and `added_tokens`.
 */
import { BpeFormatError, BpeTokenizer } from './bpe.js';

interface HFTokenizerJSON {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  added_tokens?: { id: number; content: string; special?: boolean }[];
  pre_tokenizer?: { type?: string; pretokenizers?: { type?: string }[] } | null;
}

/** Whether a parsed JSON object looks like a Hugging Face tokenizer.json. */
export function isHFTokenizerJSON(j: unknown): boolean {
  const m = (j as HFTokenizerJSON | null)?.model;
  return !!m && typeof m === 'object' && 'vocab' in m;
}

/** Reads a parsed Hugging Face byte-level BPE tokenizer.json; other kinds throw a BpeFormatError. */
export function bpeFromHFTokenizerJSON(j: unknown): BpeTokenizer {
  const o = j as HFTokenizerJSON;
  const m = o.model;
  if (!m || m.type !== 'BPE' || !m.vocab || typeof m.vocab !== 'object' || !Array.isArray(m.merges)) {
    throw new BpeFormatError(`tokenizer.json: only byte-level BPE models are supported, this one is '${m?.type ?? 'unknown'}'`);
  }
  const pre = o.pre_tokenizer;
  const preTypes = pre ? [pre.type, ...(pre.pretokenizers ?? []).map((p) => p.type)] : [];
  if (!preTypes.includes('ByteLevel')) {
    throw new BpeFormatError(`tokenizer.json: only byte-level BPE (GPT-2 family) is supported; the pre-tokenizer is ${preTypes.filter(Boolean).join('+') || 'missing'}`);
  }
  const vocab: Record<string, number> = { ...m.vocab };
  const specials: string[] = [];
  for (const t of o.added_tokens ?? []) {
    if (vocab[t.content] === undefined) vocab[t.content] = t.id;
    else if (vocab[t.content] !== t.id) throw new BpeFormatError(`tokenizer.json: added token ${JSON.stringify(t.content)} has id ${t.id} but the vocab says ${vocab[t.content]}`);
    if (t.special !== false) specials.push(t.content);
  }
  const merges = m.merges.map((x) => (Array.isArray(x) ? x.join(' ') : x));
  return BpeTokenizer.fromGPT2(vocab, merges.join('\n'), { specialTokens: specials });
}
