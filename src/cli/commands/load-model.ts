/**
 * Loading a model with its tokenizer for the commands that read a checkpoint (eval, generate,
 * probe): the tokenizer saved with the model, or the one `--tokenizer` names.
 */
import type { GPT } from '../../models/gpt.js';
import { loadModel } from '../../io/checkpoint.js';
import { loadTokenizerFile, type Tokenizer } from '../../tokenizers/tokenizer.js';

/**
 * The model at `path` (run directory, checkpoint, .safetensors or llama2.c file) and a tokenizer:
 * `tokenizerPath` when given, else the one saved with the model. The caller disposes the model;
 * when no tokenizer can be had the model is freed and the error says to pass --tokenizer.
 */
export async function loadModelAndTokenizer(path: string, tokenizerPath: string | undefined): Promise<{ model: GPT; tokenizer: Tokenizer }> {
  const loaded = await loadModel(path, { tokenizer: tokenizerPath === undefined });
  try {
    const tokenizer = tokenizerPath !== undefined ? await loadTokenizerFile(tokenizerPath) : loaded.tokenizer;
    if (!tokenizer) throw new Error(`${path} has no tokenizer saved with it: pass --tokenizer PATH`);
    return { model: loaded.model, tokenizer };
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
}
