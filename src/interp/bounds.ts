/**
 * Index checks shared by the analyses: layers, heads, MLP neurons and sequence positions. A bad
 * index is an error that names the valid range, so a typo never silently analyses something else.
 */
import type { GPT } from '../models/gpt.js';

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Checks `layer` is in [0, nLayer) and returns it. */
export function checkLayer(model: GPT, layer: number, what = 'layer'): number {
  const n = model.config.nLayer;
  if (!isInt(layer) || layer < 0 || layer >= n) {
    throw new Error(`storygrad: ${what} ${layer} is out of range: the model has ${n} layers (0..${n - 1})`);
  }
  return layer;
}

/** Checks a [layer, head] pair (head in [0, nHead)) and returns it. */
export function checkHead(model: GPT, layer: number, head: number): [number, number] {
  checkLayer(model, layer, 'head layer');
  const n = model.config.nHead;
  if (!isInt(head) || head < 0 || head >= n) {
    throw new Error(`storygrad: head ${head} (layer ${layer}) is out of range: the model has ${n} heads per layer (0..${n - 1})`);
  }
  return [layer, head];
}

/** Checks a [layer, neuron] pair (neuron in [0, dMlp)) and returns it. */
export function checkNeuron(model: GPT, layer: number, neuron: number): [number, number] {
  checkLayer(model, layer, 'neuron layer');
  const n = model.config.dMlp;
  if (!isInt(neuron) || neuron < 0 || neuron >= n) {
    throw new Error(`storygrad: neuron ${neuron} (layer ${layer}) is out of range: the MLP has ${n} neurons (0..${n - 1})`);
  }
  return [layer, neuron];
}

/** The given layers checked, or every layer when omitted. */
export function resolveLayers(model: GPT, layers?: readonly number[]): number[] {
  if (!layers) return Array.from({ length: model.config.nLayer }, (_, l) => l);
  if (layers.length === 0) throw new Error('storygrad: the list of layers is empty');
  return layers.map((l) => checkLayer(model, l));
}

/** A position in [-T, T) (negative counts from the end) as an index in [0, T). */
export function resolvePosition(position: number, T: number, what = 'position'): number {
  if (!isInt(position) || position < -T || position >= T) {
    throw new Error(`storygrad: ${what} ${position} is out of range for a sequence of ${T} tokens (valid: ${-T}..${T - 1})`);
  }
  return position < 0 ? position + T : position;
}

/** The given positions resolved (see `resolvePosition`), or 0..T-1 when omitted. */
export function resolvePositions(positions: readonly number[] | undefined, T: number): number[] {
  if (!positions) return Array.from({ length: T }, (_, t) => t);
  if (positions.length === 0) throw new Error('storygrad: the list of positions is empty');
  return positions.map((p) => resolvePosition(p, T));
}

/** Checks a vocabulary id. */
export function checkToken(model: GPT, id: number, what = 'token'): number {
  const V = model.config.vocabSize;
  if (!isInt(id) || id < 0 || id >= V) {
    throw new Error(`storygrad: ${what} ${id} is outside the vocabulary of ${V} tokens (0..${V - 1})`);
  }
  return id;
}
