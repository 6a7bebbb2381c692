/**
 * Named model shapes: the TinyStories family (Eldan & Li 2023, arXiv 2305.07759) as gpt2-arch
 * shapes, and llama2.c's stories260K. The TinyStories shapes leave the vocabulary to the tokenizer
 * (GPT-2/GPT-Neo's 50,257 tokens in the released models, or a BPE trained here); stories260K
 * brings its own 512-token vocabulary.
 *
 * The released TinyStories checkpoints are GPT-Neo models (alternating local/global attention,
 * unscaled attention scores, 2,048 positions); these presets keep their widths, depths and head
 * counts on storygrad's GPT-2 block with a 512-token context, which is what the stories need.
 */
import type { GPTConfig } from './config.js';

/** A preset's fixed shape (everything but the vocabulary unless the preset has its own). */
export interface PresetShape {
  arch: 'gpt2' | 'llama';
  dModel: number;
  nLayer: number;
  nHead: number;
  nKvHead?: number;
  dMlp?: number;
  nCtx: number;
  /** Whether the unembedding is the token embedding (stories260K: yes, as in its file). */
  tieEmbeddings?: boolean;
  /** The preset's own vocabulary size (stories260K); the TinyStories shapes have none. */
  vocabSize?: number;
  /** One line for listings. */
  about: string;
}

const tiny = (dModel: number, nLayer: number, about: string): PresetShape =>
  ({ arch: 'gpt2', dModel, nLayer, nHead: 16, nCtx: 512, about });

/** The known presets by name. */
export const PRESETS = Object.freeze({
  'tinystories-1m': tiny(64, 8, 'TinyStories-1M: d 64, 8 layers, 16 heads'),
  'tinystories-3m': tiny(128, 8, 'TinyStories-3M: d 128, 8 layers, 16 heads'),
  'tinystories-8m': tiny(256, 8, 'TinyStories-8M: d 256, 8 layers, 16 heads'),
  'tinystories-28m': tiny(512, 8, 'TinyStories-28M: d 512, 8 layers, 16 heads'),
  'tinystories-33m': tiny(768, 4, 'TinyStories-33M: d 768, 4 layers, 16 heads'),
  'tinystories-1layer-21m': tiny(1024, 1, 'TinyStories-1Layer-21M: d 1024, 1 layer, 16 heads'),
  'tinystories-2layers-33m': tiny(1024, 2, 'TinyStories-2Layers-33M: d 1024, 2 layers, 16 heads'),
  stories260k: {
    arch: 'llama', dModel: 64, nLayer: 5, nHead: 8, nKvHead: 4, dMlp: 172, nCtx: 512, vocabSize: 512, tieEmbeddings: true,
    about: "llama2.c's stories260K: llama, d 64, 5 layers, 8 heads (4 kv), hidden 172, vocab 512, tied classifier",
  },
} satisfies Record<string, PresetShape>);

/** Names of the presets. */
export type PresetName = keyof typeof PRESETS;

/** Options of {@link preset}. */
export interface PresetOptions {
  /** Vocabulary size (from the tokenizer). Required unless the preset has its own (stories260k). */
  vocabSize?: number;
  /** Context length (default: the preset's, 512). */
  nCtx?: number;
}

/**
 * The GPT config of a preset: `preset('tinystories-33m', { vocabSize: tok.vocabSize })`.
 * Unknown names throw an error listing the known ones.
 */
export function preset(name: string, opts: PresetOptions = {}): GPTConfig {
  const shape = Object.hasOwn(PRESETS, name) ? (PRESETS as Record<string, PresetShape>)[name]! : undefined;
  if (!shape) {
    throw new Error(`storygrad: unknown model preset '${name}' (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  const vocabSize = opts.vocabSize ?? shape.vocabSize;
  if (vocabSize === undefined) {
    throw new Error(`storygrad: preset '${name}' needs a vocabSize (take it from the tokenizer: { vocabSize: tokenizer.vocabSize })`);
  }
  const { about: _about, vocabSize: _v, ...rest } = shape;
  return { ...rest, vocabSize, nCtx: opts.nCtx ?? shape.nCtx };
}
