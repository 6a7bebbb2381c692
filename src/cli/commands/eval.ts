/**
 * `storygrad eval`: the loss of a checkpoint on a text file, in nats per token, with perplexity
 * and bits per byte of text. The text is tokenized into a cached shard (in the run's data/ for a
 * run directory, else in the system's temporary directory) and read in non-overlapping windows.
 */
import * as sg from '../../index.js';
import { DTYPE_FLAG, loadModelAndTokenizer } from './load-model.js';
import type { ModelDType } from '../../models/config.js';
import { pathKind, joinPath } from '../../io/files.js';
import { cachedShard } from '../../data/cache.js';
import { BatchSampler } from '../../data/loader.js';
import { runTokenizer } from '../../train/run-tokenizer.js';
import { UsageError, type Command } from '../args.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';

export const evaluate: Command = {
  name: 'eval',
  summary: 'loss (nats/token), perplexity and bits/byte of a checkpoint on a text file',
  description:
    'Evaluates a checkpoint (run directory, .safetensors or llama2.c .bin) on --data: the mean\n' +
    'cross-entropy over non-overlapping windows of --seq tokens (documents separated by BOS or\n' +
    '<|endoftext|>, as in training), its exponential (perplexity) and bits per byte of text.',
  flags: [
    { name: 'checkpoint', type: 'string', value: 'PATH', help: 'run directory, .safetensors file or llama2.c .bin (required)' },
    { name: 'data', type: 'string', value: 'FILE', help: 'text to evaluate on (required)' },
    { name: 'tokenizer', type: 'string', value: 'PATH', help: 'tokenizer file (default: the one saved with the checkpoint)' },
    { name: 'seq', type: 'integer', value: 'N', help: 'window length (default: the model context, at most 256)' },
    { name: 'batch', type: 'integer', default: 8, value: 'N', help: 'windows per batch' },
    { name: 'max-batches', type: 'integer', default: 0, value: 'N', help: 'evaluate at most N batches (0 = the whole file)' },
    { name: 'json', type: 'boolean', help: 'print the result as JSON' },
    DTYPE_FLAG,
    BACKEND_FLAG,
  ],
  async run(flags, io) {
    const checkpoint = flags['checkpoint'] as string | undefined;
    const data = flags['data'] as string | undefined;
    const tokPath = flags['tokenizer'] as string | undefined;
    if (!checkpoint) throw new UsageError('--checkpoint PATH is required', 'eval');
    if (!data) throw new UsageError('--data FILE is required', 'eval');
    const kind = await pathKind(checkpoint);
    if (kind === 'missing') throw new UsageError(`--checkpoint ${checkpoint}: no such file or directory`, 'eval');
    if ((await pathKind(data)) !== 'file') throw new UsageError(`--data ${data}: no such file`, 'eval');
    if (tokPath && (await pathKind(tokPath)) === 'missing') throw new UsageError(`--tokenizer ${tokPath}: no such file`, 'eval');
    const batch = flags['batch'] as number, maxBatches = flags['max-batches'] as number;
    if (batch < 1) throw new UsageError(`--batch must be positive, got ${batch}`, 'eval');
    try {
      await sg.init({ backend: flags['backend'] as BackendChoice });
      const { model, tokenizer: tok } = await loadModelAndTokenizer(checkpoint, tokPath, flags.dtype as ModelDType);
      try {
        const run = runTokenizer(tok);
        const seq = (flags['seq'] as number | undefined) ?? Math.min(256, model.config.nCtx);
        if (seq < 1 || seq > model.config.nCtx) throw new UsageError(`--seq must be in [1, ${model.config.nCtx}], got ${seq}`, 'eval');
        const os = await import('node:os');
        const cacheDir = kind === 'dir' && (await pathKind(joinPath(checkpoint, 'run.json'))) === 'file'
          ? joinPath(checkpoint, 'data') : joinPath(os.tmpdir(), 'storygrad-shards');
        const { shard } = await cachedShard(data, cacheDir, run, run.bytes, { docSeparatorId: run.separatorId });
        const sampler = new BatchSampler(shard.tokens, { batchSize: batch, seqLen: seq });
        const V = model.config.vocabSize;
        let total = 0, count = 0;
        const t0 = performance.now();
        model.eval();
        for (const b of sampler.evalBatches(maxBatches > 0 ? maxBatches : Infinity)) {
          const n = b.batchSize * b.seqLen;
          const l = sg.noGrad(() => sg.tidy(() => {
            const logits = model.forward(sg.tensor(b.inputs, { shape: [b.batchSize, b.seqLen] }));
            return sg.crossEntropy(logits.reshape([n, V]), sg.tensor(b.targets, { shape: [n] }), { reduction: 'sum' });
          }));
          total += await l.item();
          l.dispose();
          count += n;
        }
        const loss = total / count;
        // Bytes of text per token, from the shard's source size and token count (separators included).
        const bytesPerToken = (shard.sourceBytes ?? 0) / Math.max(1, shard.tokens.length);
        const result = {
          checkpoint, data, tokens: count, loss, perplexity: Math.exp(loss),
          bitsPerByte: bytesPerToken > 0 ? loss / Math.LN2 / bytesPerToken : null,
          seconds: (performance.now() - t0) / 1000,
        };
        if (flags['json']) io.out(JSON.stringify(result));
        else {
          io.out(`${data}: ${count.toLocaleString('en-US')} tokens, loss ${loss.toFixed(4)} nats/token, perplexity ${result.perplexity.toFixed(2)}` +
            (result.bitsPerByte !== null ? `, ${result.bitsPerByte.toFixed(4)} bits/byte` : '') + ` (${result.seconds.toFixed(1)} s)`);
        }
        return 0;
      } finally {
        model.dispose();
      }
    } finally {
      await sg.shutdown();
    }
  },
};
