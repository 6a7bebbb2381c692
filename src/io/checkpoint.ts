/**
 * Model checkpoints on disk (Node and Deno).
 *
 * `saveModel(dir, model, { tokenizer })` writes a run directory:
 *   - `model.safetensors`: every `model.stateDict()` tensor as F32 (F16 for an f16 model's, I32
 *     for integer tensors), with
 *     `__metadata__` { format: 'storygrad', storygrad_version, config: JSON of the GPT config,
 *     tokenizer?: its file name, ...the caller's metadata };
 *   - `tokenizer.bin` (llama2c) or `tokenizer.json` (BPE) when a tokenizer is given.
 * Every file is written atomically (temp file + fsync + rename).
 *
 * `loadModel(path)` reads such a directory or its `.safetensors` file, a Hugging Face GPT-2
 * safetensors file or directory (names mapped by ./hf-gpt2.ts, `config.json` beside it), or a
 * llama2.c `.bin` checkpoint.
 */
import { GPT } from '../models/gpt.js';
import { resolveConfig, type GPTConfig, type ModelDType, type ResolvedGPTConfig } from '../models/config.js';
import { noGrad } from '../autograd/grad-mode.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { storygradVersion } from '../cli/version.js';
import { loadSafetensors, saveSafetensors, type SafetensorsEntry } from './safetensors.js';
import { writeFileAtomic } from './atomic-write.js';
import { loadLlama2c } from './llama2c.js';
import { fromHuggingFaceGPT2, looksLikeHuggingFaceGPT2, type HFGPT2ConfigInput } from './hf-gpt2.js';
import { baseName, dirName, joinPath, nodeFs, pathKind, readFileBytes } from './files.js';
import { findTokenizerIn, loadTokenizerFile, type Tokenizer } from '../tokenizers/tokenizer.js';

/** The weights file of a run directory. */
export const MODEL_FILE = 'model.safetensors';
const RESERVED = ['format', 'storygrad_version', 'config', 'tokenizer'];

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** Saved beside the weights as `tokenizer.bin` or `tokenizer.json`. */
  tokenizer?: Tokenizer;
  /** Extra string metadata for the safetensors header (not the reserved keys format, storygrad_version, config, tokenizer). */
  metadata?: Record<string, string>;
}

/** What {@link saveModel} wrote. */
export interface SavedModel {
  /** Paths of the files written. */
  files: string[];
}

/** The config as saved: the resolved fields without the derived dHead. */
function savedConfig(c: ResolvedGPTConfig): GPTConfig {
  const { dHead: _dHead, ...rest } = c;
  return rest;
}

/**
 * A model's weights as safetensors bytes (F32; F16 for f16 tensors, I32 for i32) with storygrad's metadata: format,
 * version and the GPT config (plus `extra` entries, e.g. the tokenizer file name).
 */
export async function modelToSafetensors(model: GPT, extra: Record<string, string> = {}): Promise<Uint8Array> {
  const record: Record<string, SafetensorsEntry> = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    const data = await t.data(); // Float32Array (f32, f16: exact half values) or Int32Array (i32)
    const dtype = t.dtype === 'i32' ? 'I32' : t.dtype === 'f16' ? 'F16' : 'F32';
    record[name] = { dtype, shape: t.shape.slice(), data: data.slice() };
  }
  const metadata: Record<string, string> = {
    ...extra,
    format: 'storygrad',
    storygrad_version: storygradVersion(),
    config: JSON.stringify(savedConfig(model.config)),
  };
  return saveSafetensors(record, metadata);
}

/** Writes `model.safetensors` (+ the tokenizer file) into `dir`, creating it; each file atomically. */
export async function saveModel(dir: string, model: GPT, opts: SaveModelOptions = {}): Promise<SavedModel> {
  for (const k of Object.keys(opts.metadata ?? {})) {
    if (RESERVED.includes(k)) throw new Error(`storygrad: saveModel: metadata key '${k}' is reserved (${RESERVED.join(', ')})`);
  }
  const fs = await nodeFs('saveModel');
  await fs.mkdir(dir, { recursive: true });
  const tokFile = opts.tokenizer?.toFile();
  const bytes = await modelToSafetensors(model, { ...opts.metadata, ...(tokFile ? { tokenizer: tokFile.name } : {}) });
  const files = [joinPath(dir, MODEL_FILE)];
  await writeFileAtomic(files[0]!, bytes);
  if (tokFile) {
    files.push(joinPath(dir, tokFile.name));
    await writeFileAtomic(files[1]!, tokFile.bytes);
  }
  return { files };
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * Config for files that do not carry one: a full GPTConfig for a safetensors file with storygrad
   * names and no metadata; for Hugging Face files, `{ nHead }` or an HF config.json object
   * (default: the `config.json` beside the file).
   */
  config?: GPTConfig | HFGPT2ConfigInput;
  /** Load the tokenizer found beside the weights (default true). */
  tokenizer?: boolean;
  /**
   * dtype of the loaded model, whatever the file stores (default 'f32'): 'f16' uploads every
   * weight rounded to half precision, so no f32 copy of the model is made on the device. Needs a
   * backend with f16 support (see `Module.to`).
   */
  dtype?: ModelDType;
}

/** What {@link loadModel} returns. */
export interface LoadedModel {
  model: GPT;
  /** The tokenizer saved beside the weights, when there is one. */
  tokenizer?: Tokenizer;
  config: ResolvedGPTConfig;
  /** Which kind of file the weights came from. */
  format: 'storygrad' | 'huggingface-gpt2' | 'llama2c';
  /** The safetensors `__metadata__` ({} for llama2.c files). */
  metadata: Record<string, string>;
  /** The files read. */
  files: { model: string; tokenizer?: string };
}

/** Whether bytes start like a safetensors file (8-byte length, then a JSON object). */
function isSafetensors(bytes: Uint8Array): boolean {
  return bytes.length > 9 && bytes[8] === 0x7b;
}

/**
 * Loads a model on the current backend from a run directory (`model.safetensors` + tokenizer),
 * a `.safetensors` file (storygrad or Hugging Face GPT-2 names), or a llama2.c `.bin` checkpoint.
 * A storygrad file whose tensors do not fit its config fails with the list of missing,
 * unexpected and mis-shaped names.
 */
export async function loadModel(path: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const kind = await pathKind(path);
  if (kind === 'missing') throw new Error(`storygrad: checkpoint not found: ${path}`);
  let file = path;
  // A training run directory (src/train/run.ts) keeps its weights in checkpoint/ (or
  // checkpoint.old after a crash between renames) and its tokenizer at the top.
  let runDir: string | undefined;
  const inCheckpoint = /(^|[\\/])checkpoint(\.old)?$/;
  if (kind === 'dir') {
    const trimmed = path.replace(/[\\/]+$/, '');
    const direct = joinPath(trimmed, MODEL_FILE);
    const sub = ['checkpoint', 'checkpoint.old'].map((d) => joinPath(joinPath(trimmed, d), MODEL_FILE));
    if ((await pathKind(direct)) === 'file') {
      file = direct;
      if (inCheckpoint.test(trimmed)) runDir = dirName(trimmed);
    } else if ((await pathKind(sub[0]!)) === 'file' || (await pathKind(sub[1]!)) === 'file') {
      file = (await pathKind(sub[0]!)) === 'file' ? sub[0]! : sub[1]!;
      runDir = trimmed;
    } else {
      const fs = await nodeFs('loadModel');
      const here = (await fs.readdir(path)).sort();
      const hint = here.includes('pytorch_model.bin') ? ' (PyTorch pickles are not supported: convert to safetensors)' : '';
      throw new Error(`storygrad: no ${MODEL_FILE} in directory ${path}${hint}; it holds: ${here.join(', ') || '(nothing)'}`);
    }
  } else if (inCheckpoint.test(dirName(path))) {
    runDir = dirName(dirName(path));
  }
  const bytes = await readFileBytes(file, 'checkpoint');
  const dir = dirName(file);
  const withTokenizer = opts.tokenizer ?? true;
  const dtype = opts.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`storygrad: loadModel: dtype must be 'f32' or 'f16', got '${String(dtype)}'`);

  if (/\.bin$/i.test(file) || !isSafetensors(bytes)) {
    let model: GPT;
    try {
      model = loadLlama2c(bytes, { dtype });
    } catch (e) {
      throw new Error(`storygrad: cannot read ${file} as a llama2.c checkpoint: ${(e as Error).message.replace(/^storygrad: /, '')}`);
    }
    return { model, config: model.config, format: 'llama2c', metadata: {}, files: { model: file } };
  }

  let st: ReturnType<typeof loadSafetensors>;
  try {
    st = loadSafetensors(bytes);
  } catch (e) {
    throw new Error(`storygrad: cannot read ${file} as safetensors: ${(e as Error).message}`);
  }
  const names = Object.keys(st.tensors);
  let model: GPT;
  let format: LoadedModel['format'];
  let tokenizerPath: string | undefined;
  if (st.metadata.config || (opts.config && 'arch' in opts.config && !looksLikeHuggingFaceGPT2(names))) {
    let config: GPTConfig;
    try {
      config = st.metadata.config ? JSON.parse(st.metadata.config) : (opts.config as GPTConfig);
      resolveConfig(config);
    } catch (e) {
      throw new Error(`storygrad: ${file}: the config in its metadata is invalid: ${(e as Error).message}`);
    }
    model = new GPT({ ...config, dtype });
    try {
      loadHostState(model, st.tensors);
    } catch (e) {
      model.dispose();
      throw new Error(`storygrad: ${file} does not fit its config: ${(e as Error).message.replace(/^storygrad: /, '')}`);
    }
    format = 'storygrad';
    if (st.metadata.tokenizer) tokenizerPath = joinPath(dir, baseName(st.metadata.tokenizer));
    else if (runDir) tokenizerPath = await findTokenizerIn(runDir);
  } else if (looksLikeHuggingFaceGPT2(names)) {
    let hfConfig = opts.config as HFGPT2ConfigInput | undefined;
    const configPath = joinPath(dir, 'config.json');
    if (!hfConfig && (await pathKind(configPath)) === 'file') {
      try {
        hfConfig = JSON.parse(new TextDecoder().decode(await readFileBytes(configPath, 'config.json')));
      } catch (e) {
        throw new Error(`storygrad: ${configPath} is not valid JSON: ${(e as Error).message}`);
      }
    }
    model = fromHuggingFaceGPT2(st.tensors, hfConfig, { dtype });
    format = 'huggingface-gpt2';
    tokenizerPath = await findTokenizerIn(dir);
  } else {
    throw new Error(
      `storygrad: ${file} has no storygrad config in its metadata and its tensor names are not Hugging Face GPT-2's ` +
      `(first names: ${names.slice(0, 5).join(', ')}); pass { config } to loadModel`,
    );
  }
  let tokenizer: Tokenizer | undefined;
  if (withTokenizer && tokenizerPath) {
    if ((await pathKind(tokenizerPath)) === 'missing') {
      throw new Error(`storygrad: ${file} names the tokenizer ${baseName(tokenizerPath)}, which is missing from ${dir}`);
    }
    tokenizer = await loadTokenizerFile(tokenizerPath);
  }
  return {
    model, tokenizer, config: model.config, format, metadata: st.metadata,
    files: { model: file, ...(tokenizer ? { tokenizer: tokenizerPath } : {}) },
  };
}

/**
 * Copies host tensors into the model (strict `loadStateDict`: every problem listed). Float data is
 * uploaded in the dtype of the parameter it goes to (an f16 model gets f16 tensors).
 */
export function loadHostState(model: GPT, tensors: Record<string, SafetensorsEntry>): void {
  const own = new Map(model.namedParameters());
  noGrad(() => {
    const state: Record<string, Tensor> = {};
    try {
      for (const [k, e] of Object.entries(tensors)) {
        const data = e.data as Float32Array | Int32Array; // loadSafetensors decodes F16/BF16 to Float32Array
        const dtype = e.dtype === 'I32' ? 'i32' : own.get(k)?.dtype === 'f16' ? 'f16' : 'f32';
        state[k] = tensor(data, { shape: e.shape, dtype });
      }
      model.loadStateDict(state);
    } finally {
      for (const t of Object.values(state)) t.dispose();
    }
  });
}
