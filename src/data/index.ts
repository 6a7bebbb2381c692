/**
 * `sg.data`, the data layer: text files -> documents -> token shards (cached) -> training/evaluation batches.
 */
export { END_OF_TEXT, DocumentError, DocumentSplitter, detectSplit, detectSplitInFile, splitDocuments, readDocuments, readDocumentBatches } from './documents.js';
export type { SplitMode, ResolvedSplit, SplitterOptions, SplitDocumentsOptions, ReadDocumentsOptions, DocumentBatch } from './documents.js';
export { Utf8Error } from './utf8.js';
export {
  SHARD_MAGIC, SHARD_VERSION, SHARD_HEADER_BYTES, ShardFormatError, encodeShard, decodeShard, encodeShardHeader, decodeShardHeader,
  shardDTypeFor,
} from './shard.js';
export type { ShardDType, TokenArray, ShardMeta, ShardHeader, Shard, DecodeShardOptions } from './shard.js';
export { writeShard, readShard, readShardHeader, ShardWriter } from './shard-file.js';
export type { ShardWriterOptions } from './shard-file.js';
export { tokenizeToShard, encodeDocuments, checkTokenizer } from './tokenize-file.js';
export type { TextTokenizer, EncodeSpecials, EncodeDocumentsOptions, TokenizeProgress, TokenizeToShardOptions, TokenizeResult } from './tokenize-file.js';
export { cachedShard, shardCacheHash } from './cache.js';
export type { CachedShardOptions, CachedShardResult } from './cache.js';
export { BatchSampler } from './loader.js';
export type { Batch, BatchSamplerOptions } from './loader.js';
export { fnv1a32, tokenChecksum } from './hash.js';
// The embedded story corpus (`sg.data.corpus`, the most used parts also at the top level).
export * as corpus from './corpus/index.js';
export {
  generateStory, generateStoryWithFacts, generateStories, storyStream, corpusText, writeCorpusFile,
} from './corpus/index.js';
export type { Story, StoryFacts, StoryOptions, GenerateStoriesOptions, WriteCorpusOptions, WriteCorpusResult } from './corpus/index.js';
