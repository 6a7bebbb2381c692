/**
 * Loading a model with its tokenizer for the commands that read a checkpoint (eval, generate,
 * probe): the tokenizer saved with the model, or the one `--tokenizer` names, and the weights in
 * the dtype `--dtype` asks for.
 */
import type { FlagSpec } from '../args.js';
import type { GPT } from '../../models/gpt.js';
import type { ModelDType } from '../../models/config.js';
import { loadModel } from '../../io/checkpoint.js';
import { loadTokenizerFile, type Tokenizer } from '../../tokenizers/tokenizer.js';

/** `--dtype f32|f16`: the dtype the weights are loaded in, whatever the file stores. */
export const DTYPE_FLAG: FlagSpec = {
  name: 'dtype',
  type: 'string',
  choices: ['f32', 'f16'],
  default: 'f32',
  help: "weights' dtype once loaded (f16 halves their memory; WebGPU needs the adapter's shader-f16)",
};

/**
 * The model at `path` (run directory, checkpoint, .safetensors or llama2.c file) and a tokenizer:
 * `tokenizerPath` when given, else the one saved with the model. The caller disposes the model;
 * when no tokenizer can be had the model is freed and the error says to pass --tokenizer.
 */
export async function loadModelAndTokenizer(
  path: string,
  tokenizerPath: string | undefined,
  dtype: ModelDType = 'f32',
): Promise<{ model: GPT; tokenizer: Tokenizer }> {
  const loaded = await loadModel(path, { tokenizer: tokenizerPath === undefined, dtype });
  try {
    const tokenizer = tokenizerPath !== undefined ? await loadTokenizerFile(tokenizerPath) : loaded.tokenizer;
    if (!tokenizer) throw new Error(`${path} has no tokenizer saved with it: pass --tokenizer PATH`);
    return { model: loaded.model, tokenizer };
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
}
