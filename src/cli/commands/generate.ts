/**
 * `storygrad generate`: loads a checkpoint (llama2.c `.bin`, `.safetensors`, or a run directory)
 * and a tokenizer, encodes the prompt, and streams the decoded text (prompt first, as llama2.c's
 * run.c prints it) to stdout as tokens arrive. Stops at BOS/EOS for llama2.c tokenizers (run.c
 * stops at BOS, id 1) and at `<|endoftext|>` for BPE. Prints tokens/s on stderr at the end.
 */
import * as sg from '../../index.js';
import { DTYPE_FLAG, loadModelAndTokenizer } from './load-model.js';
import type { ModelDType } from '../../models/config.js';
import { pathKind } from '../../io/files.js';
import type { Tokenizer } from '../../tokenizers/tokenizer.js';
import { UsageError, type Command } from '../args.js';
import { BACKEND_FLAG, type BackendChoice } from './backend-flag.js';

const DEFAULT_MAX_NEW = 256;

/** The ids at which generation stops for a tokenizer. */
export function stopTokensFor(tok: Tokenizer): number[] {
  const ids = tok.kind === 'llama2c' ? [tok.bosId, tok.eosId] : [tok.eosId];
  return [...new Set(ids.filter((id): id is number => id !== undefined))];
}

export const generate: Command = {
  name: 'generate',
  summary: 'generate text from a checkpoint (llama2.c .bin, .safetensors or run directory)',
  description:
    'Loads a checkpoint and its tokenizer, encodes --prompt and streams the continuation to stdout\n' +
    '(the prompt is printed first, as llama2.c does). Temperature 0 is greedy. Generation stops at\n' +
    '--max-new-tokens, or at BOS/EOS (llama2.c tokenizers) or <|endoftext|> (BPE). Tokens/s go to\n' +
    "stderr. --steps N counts like llama2.c's run.c: N positions in all, BOS and prompt included.",
  flags: [
    { name: 'checkpoint', type: 'string', value: 'PATH', help: 'llama2.c .bin, .safetensors file, or run directory (required)' },
    { name: 'tokenizer', type: 'string', value: 'PATH', help: 'tokenizer .bin/.json (default: the one saved with the checkpoint)' },
    { name: 'prompt', type: 'string', value: 'TEXT', help: 'text to continue (required; may be "")' },
    { name: 'max-new-tokens', type: 'integer', value: 'N', help: `tokens to generate (default: ${DEFAULT_MAX_NEW})` },
    { name: 'steps', type: 'integer', value: 'N', help: "instead of --max-new-tokens: run.c's steps (positions including BOS and prompt)" },
    { name: 'temperature', type: 'number', default: 1, value: 'X', help: 'sampling temperature; 0 = greedy' },
    { name: 'top-k', type: 'integer', default: 0, value: 'N', help: 'sample from the k most likely tokens (0 = off)' },
    { name: 'top-p', type: 'number', default: 1, value: 'X', help: 'nucleus sampling threshold in (0, 1] (1 = off)' },
    { name: 'seed', type: 'integer', default: 0, value: 'N', help: 'seed of the sampler' },
    { name: 'no-repeat-ngram', type: 'integer', default: 0, value: 'N', help: 'never repeat an n-gram of N tokens (prompt included; 0 = off): stops loops' },
    DTYPE_FLAG,
    BACKEND_FLAG,
  ],
  async run(flags, io) {
    const checkpoint = flags.checkpoint as string | undefined;
    const prompt = flags.prompt as string | undefined;
    const temperature = flags.temperature as number, topK = flags['top-k'] as number, topP = flags['top-p'] as number;
    const steps = flags.steps as number | undefined, maxNewFlag = flags['max-new-tokens'] as number | undefined;
    if (!checkpoint) throw new UsageError('--checkpoint PATH is required', 'generate');
    if (prompt === undefined) throw new UsageError('--prompt TEXT is required (it may be "")', 'generate');
    if (steps !== undefined && maxNewFlag !== undefined) throw new UsageError('give --max-new-tokens or --steps, not both', 'generate');
    if (maxNewFlag !== undefined && maxNewFlag < 0) throw new UsageError(`--max-new-tokens must be >= 0, got ${maxNewFlag}`, 'generate');
    if (steps !== undefined && steps < 1) throw new UsageError(`--steps must be >= 1, got ${steps}`, 'generate');
    if (temperature < 0) throw new UsageError(`--temperature must be >= 0, got ${temperature}`, 'generate');
    if (topK < 0) throw new UsageError(`--top-k must be >= 0, got ${topK}`, 'generate');
    if (!(topP > 0 && topP <= 1)) throw new UsageError(`--top-p must be in (0, 1], got ${topP}`, 'generate');
    const noRepeatNgram = flags['no-repeat-ngram'] as number;
    if (noRepeatNgram < 0) throw new UsageError(`--no-repeat-ngram must be >= 0, got ${noRepeatNgram}`, 'generate');

    // Missing files fail before a GPU device is opened.
    if ((await pathKind(checkpoint)) === "missing") throw new UsageError(`--checkpoint ${checkpoint}: no such file or directory`, "generate");
    const tokPath = flags.tokenizer as string | undefined;
    if (tokPath !== undefined && (await pathKind(tokPath)) === "missing") throw new UsageError(`--tokenizer ${tokPath}: no such file`, "generate");

    let buffered = '';
    const emit = (text: string) => {
      if (!text) return;
      if (io.write) io.write(text);
      else buffered += text;
    };
    try {
      const d = await sg.init({ backend: flags.backend as BackendChoice });
      const { model, tokenizer: tok } = await loadModelAndTokenizer(checkpoint, tokPath, flags.dtype as ModelDType);
      try {
        if (tok.vocabSize > model.config.vocabSize) {
          throw new Error(`the tokenizer has ${tok.vocabSize} tokens but the model only ${model.config.vocabSize}: wrong --tokenizer?`);
        }
        let ids = tok.encode(prompt);
        if (ids.length === 0) {
          if (tok.bosId === undefined) throw new Error('the prompt is empty and this tokenizer has no BOS token to start from');
          ids = [tok.bosId];
        }
        const maxNewTokens = steps !== undefined ? Math.max(0, steps + 1 - ids.length) : (maxNewFlag ?? DEFAULT_MAX_NEW);
        const dec = tok.streamDecoder();
        emit(ids.map((id) => dec.push(id)).join(''));
        let n = 0;
        const t0 = performance.now();
        const opts = { maxNewTokens, temperature, topK, topP, noRepeatNgram, seed: flags.seed as number, stopTokens: stopTokensFor(tok) };
        for await (const id of model.generate(ids, opts)) {
          n++;
          emit(dec.push(id));
        }
        const s = (performance.now() - t0) / 1000;
        emit(dec.flush());
        if (io.write) io.write('\n');
        else io.out(buffered);
        const rate = s > 0 ? n / s : 0;
        io.err(`generated ${n} tokens in ${s.toFixed(2)} s: ${rate.toFixed(2)} tokens/s (${d.backend}${d.adapter ? `, ${d.adapter}` : ''})`);
        return 0;
      } finally {
        model.dispose();
      }
    } finally {
      await sg.shutdown();
    }
  },
};
