/**
 * Tokenizers: llama2.c's SentencePiece-style tokenizer and byte-level BPE (GPT-2 files and
 * training from text).
 */
export { Llama2cTokenizer, TokenizerFormatError } from './llama2c.js';
export type { Llama2cLoadOptions, Llama2cEncodeOptions, Llama2cStreamDecoder } from './llama2c.js';
export { BpeTokenizer, BpeFormatError } from './bpe.js';
export type { BpeTrainOptions, BpeEncodeOptions, BpeGPT2Options, BpeTokenizerJSON, BpeStreamDecoder } from './bpe.js';
export type { BpeTrainProgress } from './bpe-train.js';
export { GPT2_PATTERN } from './pretokenize.js';
export { loadTokenizerFile, tokenizerFromBytes, findTokenizerIn } from './tokenizer.js';
export type { Tokenizer, TokenizerFile, TokenStreamDecoder } from './tokenizer.js';
export { bpeFromHFTokenizerJSON } from './hf-json.js';
