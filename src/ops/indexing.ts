/**
 * Index-based ops: embedding (row gather, deterministic scatter-add backward), pickLast (one
 * element per row, used by cross-entropy) and torch-style gather composed from them.
 */
import { record } from '../autograd/node.js';
import type { Tensor } from '../tensor.js';
import { fmt, normDim, sizeOf } from '../shape.js';
import { kernelsOf, requireDtype, wrap } from './common.js';
import { expand, permute, reshape, unsqueeze } from './movement.js';

/** table [V, D], ids i32 [...] -> [..., D]. Ids outside [0, V) give zero rows. */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  requireDtype('embedding', ids, 'i32', 'ids');
  if (table.rank !== 2) throw new Error(`storygrad: embedding: table must be [V, D], got ${table.describe()}`);
  const [V, D] = table.shape as [number, number];
  const k = kernelsOf('embedding', table, ids);
  const out = wrap(table.backend, k.gatherRows(table.storage, ids.storage, ids.size, V, D, table.dtype), [...ids.shape, D], table.dtype);
  return record(out, 'embedding', [table, ids], (g) => [
    wrap(g.backend, g.backend.kernels.scatterAddRows(g.storage, ids.storage, ids.size, V, D, g.dtype), [V, D], g.dtype),
    null,
  ]);
}

/** x [..., C], idx i32 [...] -> out[...] = x[..., idx]; ids outside [0, C) give 0. */
export function pickLast(x: Tensor, idx: Tensor): Tensor {
  requireDtype('pickLast', idx, 'i32', 'index');
  const C = x.shape[x.rank - 1]!;
  const lead = x.shape.slice(0, -1);
  if (lead.length !== idx.rank || lead.some((v, i) => v !== idx.shape[i])) {
    throw new Error(`storygrad: pickLast: index shape ${fmt(idx.shape)} must equal ${fmt(lead)} for ${x.describe()}`);
  }
  const n = sizeOf(lead);
  const k = kernelsOf('pickLast', x, idx);
  const out = wrap(x.backend, k.pick(x.storage, idx.storage, n, C, x.dtype), lead, x.dtype);
  return record(out, 'pickLast', [x, idx], (g) => [
    wrap(g.backend, g.backend.kernels.pickBackward(g.storage, idx.storage, n, C, g.dtype), x.shape, g.dtype),
    null,
  ]);
}

/**
 * torch.gather: out[i][j][k] = x[i][index[i][j][k]][k] for dim 1, etc. index has x's rank and the
 * same size as x on every dim except `dim`.
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  requireDtype('gather', index, 'i32', 'index');
  const d = normDim('gather', dim, x.rank);
  if (index.rank !== x.rank || index.shape.some((v, i) => i !== d && v !== x.shape[i])) {
    throw new Error(`storygrad: gather(dim ${dim}): index ${fmt(index.shape)} must match ${x.describe()} except on dim ${d}`);
  }
  const perm = x.shape.map((_, i) => i).filter((i) => i !== d).concat([d]);
  const inv = new Array<number>(perm.length);
  perm.forEach((v, i) => (inv[v] = i));
  const xp = permute(x, perm); // [..., C]
  const ip = permute(index, perm); // [..., K]
  const K = index.shape[d]!, C = x.shape[d]!;
  const lead = xp.shape.slice(0, -1);
  const rows = expand(unsqueeze(xp, -2), [...lead, K, C]); // [..., K, C]
  const picked = pickLast(reshape(rows, [-1, C]), reshape(ip, [-1])); // [N*K]
  return permute(reshape(picked, [...lead, K]), inv);
}
