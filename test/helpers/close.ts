/**
 * Element-wise closeness of two tensors for the fused-vs-composed kernel tests: |a - b| <=
 * tol * (1 + |b|) at every element, failing with the element's index.
 */
import { expect } from 'vitest';
import type { Tensor } from '../../src/tensor.js';

export async function expectCloseTensors(a: Tensor, b: Tensor, tol: number): Promise<void> {
  const [x, y] = [await a.data(), await b.data()];
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!), `element ${i}`).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i]!)));
}
