/**
 * Tokenizers: llama2.c's SentencePiece-style tokenizer and byte-level BPE (GPT-2 files and
 * training from text).
 */
export { Llama2cTokenizer, TokenizerFormatError } from './llama2c.js';
export type { Llama2cLoadOptions, Llama2cEncodeOptions, Llama2cStreamDecoder } from './llama2c.js';
