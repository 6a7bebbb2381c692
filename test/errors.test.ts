/**
 * Error messages: each names the op and the shapes / dtypes involved, so a user can find the bad
 * call without a debugger. Run on every backend (the checks live in the ops, but reading a disposed
 * tensor and mixing backends touch backend code).
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import type { Backend } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { loadBackends, type BackendEntry } from './helpers/backends.js';

const backends = await loadBackends();

/** The message of the error fn throws (fails the test if it does not throw). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  throw new Error('expected an error, but the call returned normally');
}

async function asyncErrorOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  throw new Error('expected an error, but the call returned normally');
}

/** Expects every fragment to appear in msg. */
function mentions(msg: string, ...fragments: (string | RegExp)[]): void {
  for (const f of fragments) {
    if (typeof f === 'string') expect(msg, `message "${msg}" should mention ${f}`).toContain(f);
    else expect(msg, `message "${msg}" should match ${f}`).toMatch(f);
  }
}

function suite(entry: BackendEntry): void {
  const be = (): Backend<any> => entry.backend;
  const on = <T>(fn: () => T): T => sg.withBackend(be(), () => sg.tidy(fn));

  it('add of non-broadcastable [2,3] and [4] names the op and both shapes', () => {
    const msg = errorOf(() => on(() => sg.add(sg.ones([2, 3]), sg.ones([4]))));
    mentions(msg, 'add', '[2, 3]', '[4]', /broadcast/);
  });

  it('mul / where of non-broadcastable shapes', () => {
    mentions(errorOf(() => on(() => sg.ones([3, 2]).mul(sg.ones([2, 3])))), 'mul', '[3, 2]', '[2, 3]');
    mentions(errorOf(() => on(() => sg.where(sg.ones([5]), sg.ones([2, 3]), 0))), 'where', '[5]', '[2, 3]');
  });

  it('matmul with an inner-dim mismatch names both operands and the dims', () => {
    const msg = errorOf(() => on(() => sg.matmul(sg.ones([2, 3]), sg.ones([4, 5]))));
    mentions(msg, 'matmul', '[2, 3]', '[4, 5]', '3', '4');
    const t = errorOf(() => on(() => sg.matmul(sg.ones([2, 3]), sg.ones([2, 5]), { transposeB: true })));
    mentions(t, 'matmul', '[2, 3]', '[2, 5]');
  });

  it('matmul with mismatched batch dims and with a 0-D operand', () => {
    mentions(errorOf(() => on(() => sg.matmul(sg.ones([2, 3, 4]), sg.ones([3, 4, 5])))), 'matmul', '[2]', '[3]');
    mentions(errorOf(() => on(() => sg.matmul(sg.ones([]), sg.ones([3])))), 'matmul', '[]');
  });

  it('dtype mismatch f32 + i32 names the op and both dtypes', () => {
    const msg = errorOf(() => on(() => sg.add(sg.ones([2]), sg.ones([2], { dtype: 'i32' }))));
    mentions(msg, 'add', 'f32', 'i32', /dtype/);
    mentions(errorOf(() => on(() => sg.matmul(sg.ones([2, 2]), sg.ones([2, 2], { dtype: 'i32' })))), 'matmul', 'f32', 'i32');
  });

  it('float-only ops reject i32 naming the op', () => {
    mentions(errorOf(() => on(() => sg.exp(sg.ones([3], { dtype: 'i32' })))), 'exp', 'i32');
    mentions(errorOf(() => on(() => sg.softmax(sg.ones([3], { dtype: 'i32' })))), 'softmax', 'i32');
    mentions(errorOf(() => on(() => sg.pow(sg.ones([3], { dtype: 'i32' }), 2))), 'pow', 'i32');
  });

  it('reading or using a disposed tensor says "disposed" and names the tensor', async () => {
    const t = sg.withBackend(be(), () => sg.ones([2, 3]));
    t.dispose();
    expect(t.isDisposed).toBe(true);
    mentions(await asyncErrorOf(() => t.data()), 'disposed', '[2, 3]');
    mentions(await asyncErrorOf(() => t.toArray()), 'disposed');
    mentions(errorOf(() => on(() => t.add(1))), 'disposed', '[2, 3]');
    t.dispose(); // idempotent
  });

  it('backward through a non-scalar without a gradient names the shape', () => {
    const x = sg.withBackend(be(), () => sg.ones([2, 3], { requiresGrad: true }));
    const msg = errorOf(() => on(() => x.mul(2).backward()));
    mentions(msg, 'backward', '[2, 3]', /gradient/);
    x.dispose();
  });

  it('backward with a gradient of the wrong shape, and on a tensor that does not require grad', () => {
    const x = sg.withBackend(be(), () => sg.ones([2, 3], { requiresGrad: true }));
    mentions(errorOf(() => on(() => x.mul(2).backward(sg.ones([3, 2])))), 'backward', '[3, 2]', '[2, 3]');
    mentions(errorOf(() => on(() => sg.ones([2]).sum().backward())), 'backward', /require/);
    x.dispose();
  });

  it('backward through intermediates already disposed by tidy throws instead of giving no gradient', () => {
    const x = sg.withBackend(be(), () => sg.tensor([1, 2, 3], { requiresGrad: true }));
    const loss = sg.withBackend(be(), () => sg.tidy(() => sg.exp(x).mul(2).sum()));
    mentions(errorOf(() => sg.withBackend(be(), () => loss.backward())), 'backward', 'disposed', '[3] f32');
    expect(x.grad).toBeNull();
    loss.dispose(); x.dispose();
  });

  it('embedding with f32 ids names the op, the argument and the dtype', () => {
    const msg = errorOf(() => on(() => sg.embedding(sg.ones([5, 3]), sg.ones([4]))));
    mentions(msg, 'embedding', 'ids', 'i32', 'f32', '[4]');
    mentions(errorOf(() => on(() => sg.embedding(sg.ones([5]), sg.zeros([4], { dtype: 'i32' })))), 'embedding', '[5]');
  });

  it('gather / pickLast / crossEntropy with bad index shapes or dtypes', () => {
    mentions(errorOf(() => on(() => sg.gather(sg.ones([3, 4]), 1, sg.ones([3, 2])))), 'gather', 'i32', 'f32');
    mentions(errorOf(() => on(() => sg.gather(sg.ones([3, 4]), 1, sg.zeros([2, 2], { dtype: 'i32' })))), 'gather', '[2, 2]', '[3, 4]');
    mentions(errorOf(() => on(() => sg.pickLast(sg.ones([3, 4]), sg.zeros([4], { dtype: 'i32' })))), 'pickLast', '[4]', '[3]');
    mentions(errorOf(() => on(() => sg.crossEntropy(sg.ones([3, 4]), sg.zeros([3])))), 'crossEntropy', 'targets', 'i32', 'f32');
    mentions(errorOf(() => on(() => sg.crossEntropy(sg.ones([3, 4]), sg.zeros([2], { dtype: 'i32' })))), 'crossEntropy', '[2]', '[3]');
  });

  it('reshape to an incompatible shape names both shapes', () => {
    const msg = errorOf(() => on(() => sg.ones([2, 3]).reshape([4, 2])));
    mentions(msg, 'reshape', '[2, 3]', '[4, 2]');
    mentions(errorOf(() => on(() => sg.ones([2, 3]).reshape([4, -1]))), 'reshape', '[2, 3]', '[4, -1]');
    mentions(errorOf(() => on(() => sg.ones([2, 3]).reshape([-1, -1]))), 'reshape');
  });

  it('a bad dim names the op, the dim and the rank', () => {
    mentions(errorOf(() => on(() => sg.sum(sg.ones([2, 3]), 2))), 'sum', 'dim 2', 'rank 2');
    mentions(errorOf(() => on(() => sg.ones([2, 3]).mean(-3))), 'mean', 'dim -3', 'rank 2');
    mentions(errorOf(() => on(() => sg.ones([2, 3]).max(5))), 'max', 'dim 5');
    mentions(errorOf(() => on(() => sg.softmax(sg.ones([2, 3]), 2))), 'softmax', 'dim 2');
    mentions(errorOf(() => on(() => sg.transpose(sg.ones([2, 3]), 0, 3))), 'transpose', 'dim 3');
    mentions(errorOf(() => on(() => sg.slice(sg.ones([2, 3]), -3, 0, 1))), 'slice', 'dim -3');
    mentions(errorOf(() => on(() => sg.unsqueeze(sg.ones([2, 3]), 4))), 'unsqueeze', 'dim 4');
    mentions(errorOf(() => on(() => sg.concat([sg.ones([2, 3]), sg.ones([2, 3])], 2))), 'concat', 'dim 2');
    mentions(errorOf(() => on(() => sg.sum(sg.ones([2, 3]), [1, -1]))), 'sum', 'repeated');
  });

  it('permute, expand, concat, layerNorm argument errors name the shapes', () => {
    mentions(errorOf(() => on(() => sg.ones([2, 3]).permute(0, 0))), 'permute', 'permutation');
    mentions(errorOf(() => on(() => sg.ones([2, 3]).permute(0))), 'permute', '[2, 3]');
    mentions(errorOf(() => on(() => sg.ones([2, 3]).expand(4, 3))), 'expand', '[2, 3]', '[4, 3]');
    mentions(errorOf(() => on(() => sg.concat([sg.ones([2, 3]), sg.ones([2, 4])], 0))), 'concat', '[2, 4]', '[2, 3]');
    mentions(errorOf(() => on(() => sg.layerNorm(sg.ones([2, 3]), sg.ones([4])))), 'layerNorm', 'weight', '[3]', '[4]');
    mentions(errorOf(() => on(() => sg.rmsNorm(sg.ones([2, 3]), sg.ones([2, 3])))), 'rmsNorm', 'weight');
    mentions(errorOf(() => on(() => sg.dropout(sg.ones([2]), 1))), 'dropout', 'p');
  });

  it('creation errors: ragged data, wrong size for shape, item() of many elements', async () => {
    mentions(errorOf(() => on(() => sg.tensor([[1, 2], [3]] as any))), 'tensor', 'ragged');
    mentions(errorOf(() => on(() => sg.tensor(new Float32Array(5), { shape: [2, 3] }))), 'tensor', '5', '[2, 3]');
    mentions(errorOf(() => on(() => sg.full([2, -1], 0))), 'full', '[2, -1]');
    const t = sg.withBackend(be(), () => sg.ones([2]));
    mentions(await asyncErrorOf(() => t.item()), 'item', '[2]');
    t.dispose();
  });

  it('tidy with an async function is rejected', () => {
    mentions(errorOf(() => sg.tidy((async () => 1) as any)), 'tidy', 'synchronous');
  });

  if (entry.name !== 'cpu') {
    it('mixing tensors of two backends names both backends', () => {
      const a = sg.withBackend(be(), () => sg.ones([2]));
      const b = sg.withBackend(new CpuBackend(), () => sg.ones([2]));
      mentions(errorOf(() => sg.add(a, b)), 'add', 'different backends', entry.name, 'cpu');
      a.dispose(); b.dispose();
    });
  }
}

describe.each(backends.filter((b) => b.available))('errors on $name', suite);
describe.skip.each(backends.filter((b) => !b.available))('errors on $name (unavailable)', suite);
