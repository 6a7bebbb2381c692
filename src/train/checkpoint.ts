/**
 * Training checkpoints: everything needed to continue a run exactly where it stopped.
 *
 *   <run>/checkpoint/model.safetensors      weights (f32, TransformerLens names; metadata: config)
 *   <run>/checkpoint/optimizer.safetensors  AdamW moments `m.<name>` / `v.<name>`
 *   <run>/checkpoint/state.json             step, optimizer step count, global RNG state, ...
 *
 * A checkpoint directory is written whole under a temporary name and then swapped in with
 * renames (old -> checkpoint.old, new -> checkpoint, old removed), so a crash at any point leaves
 * a complete checkpoint behind: `checkpoint`, or `checkpoint.old` if the crash fell between the
 * two renames (the loader looks there too). Node/Deno only.
 */
import type { GPT } from '../models/gpt.js';
import type { AdamW } from '../optim/adamw.js';
import type { Tensor } from '../tensor.js';
import { loadSafetensors, saveSafetensors, type SafetensorsEntry } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadHostState, modelToSafetensors } from '../io/checkpoint.js';
import { tensor } from '../ops/creation.js';
import { withBackend } from '../runtime.js';

/** Scalars of the training state saved beside the tensors. */
export interface TrainingState {
  /** Steps completed (the next step to run). */
  step: number;
  /** AdamW step count. */
  optimizerT: number;
  /** Global RNG state (`sg.getRngState()`), for dropout and other implicit randomness. */
  rng: { seed: number; counter: number };
  /** Tokens consumed so far. */
  tokensSeen: number;
  /** Validation loss at the last evaluation, if any. */
  lastValLoss?: number;
  /** storygrad checkpoint format version. */
  format: 1;
}

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

const join = (a: string, b: string) => (a.endsWith('/') ? a + b : `${a}/${b}`);

async function toEntry(t: Tensor): Promise<SafetensorsEntry> {
  if (t.dtype !== 'f32') throw new Error(`storygrad: checkpoint: only f32 tensors are saved, got ${t.describe()}`);
  return { dtype: 'F32', shape: t.shape.slice(), data: (await t.data()) as Float32Array };
}

/** Writes a checkpoint of model + optimizer + state under `runDir/checkpoint` (see header). */
export async function saveCheckpoint(runDir: string, model: GPT, optimizer: AdamW, state: TrainingState): Promise<void> {
  const fs = await nodeFs();
  await fs.mkdir(runDir, { recursive: true });
  const names = model.namedParameters().map(([n]) => n);
  const opt = optimizer.state();
  const moments: Record<string, SafetensorsEntry> = {};
  for (let i = 0; i < names.length; i++) {
    if (opt.m[i]) moments[`m.${names[i]}`] = await toEntry(opt.m[i]!);
    if (opt.v[i]) moments[`v.${names[i]}`] = await toEntry(opt.v[i]!);
  }
  const modelBytes = await modelToSafetensors(model);
  const optBytes = saveSafetensors(moments, { t: String(opt.t) });
  const final = join(runDir, 'checkpoint');
  const tmp = join(runDir, `.checkpoint.tmp-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
  const old = join(runDir, 'checkpoint.old');
  await fs.mkdir(tmp);
  try {
    await writeFileAtomic(join(tmp, 'model.safetensors'), modelBytes);
    await writeFileAtomic(join(tmp, 'optimizer.safetensors'), optBytes);
    await writeFileAtomic(join(tmp, 'state.json'), new TextEncoder().encode(JSON.stringify(state, null, 2) + '\n'));
    await fs.rm(old, { recursive: true, force: true });
    const hadFinal = await fs.stat(final).then(() => true, () => false);
    if (hadFinal) await fs.rename(final, old);
    await fs.rename(tmp, final);
    await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Where a run's latest complete checkpoint is, or null when it has none. */
export async function findCheckpoint(runDir: string): Promise<string | null> {
  const fs = await nodeFs();
  for (const name of ['checkpoint', 'checkpoint.old']) {
    const dir = join(runDir, name);
    const ok = await fs.stat(join(dir, 'state.json')).then(() => true, () => false);
    if (ok) return dir;
  }
  return null;
}

/**
 * Restores model weights, optimizer moments and returns the saved state from a checkpoint
 * directory (from `findCheckpoint`). The model and optimizer must have the run's shapes.
 */
export async function loadCheckpoint(dir: string, model: GPT, optimizer: AdamW): Promise<TrainingState> {
  const fs = await nodeFs();
  const state = JSON.parse(await fs.readFile(join(dir, 'state.json'), 'utf8')) as TrainingState;
  if (state.format !== 1) throw new Error(`storygrad: checkpoint ${dir}: unknown format ${String(state.format)}`);
  const weights = loadSafetensors(new Uint8Array(await fs.readFile(join(dir, 'model.safetensors'))));
  withBackend(model.embed.W_E.backend, () => loadHostState(model, weights.tensors));
  const opt = loadSafetensors(new Uint8Array(await fs.readFile(join(dir, 'optimizer.safetensors'))));
  const names = model.namedParameters().map(([n]) => n);
  const backend = model.embed.W_E.backend;
  const make = (key: string): Tensor | undefined => {
    const e = opt.tensors[key];
    if (!e) return undefined;
    return withBackend(backend, () => tensor(e.data as Float32Array, { shape: e.shape }));
  };
  const known = new Set(names.flatMap((n) => [`m.${n}`, `v.${n}`]));
  const unexpected = Object.keys(opt.tensors).filter((k) => !known.has(k));
  if (unexpected.length) throw new Error(`storygrad: checkpoint ${dir}: optimizer state has unknown tensors: ${unexpected.join(', ')}`);
  optimizer.loadState({
    t: Number(opt.metadata['t'] ?? state.optimizerT),
    m: names.map((n) => make(`m.${n}`)),
    v: names.map((n) => make(`v.${n}`)),
  });
  return state;
}
