/**
 * gpuWait (src/backend/webgpu/gpu-wait.ts): while a GPU wait is pending, native anonymous
 * setImmediate callbacks (how Dawn's polling ticks look) go to 1 ms timers after a few immediate
 * ones; every other caller keeps real Immediates (clearImmediate works); the global is restored
 * after single, nested and concurrent waits, and after a wait that fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gpuWait, gpuWaitOptions } from '../src/backend/webgpu/gpu-wait.js';

const realImmediate = globalThis.setImmediate;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A native function without a name, like Dawn's tick callback. */
const nativeTick = Function.prototype as unknown as () => void;

afterEach(() => {
  gpuWaitOptions.throttle = true;
  expect(globalThis.setImmediate).toBe(realImmediate);
});

describe('gpuWait', () => {
  it('throttles native anonymous ticks after the first few, and only while a wait is pending', async () => {
    const kinds: string[] = [];
    await gpuWait(async () => {
      for (let i = 0; i < 8; i++) {
        const h = setImmediate(nativeTick) as unknown as { constructor: { name: string } };
        kinds.push(h.constructor.name);
      }
      await sleep(5);
    });
    expect(kinds.slice(0, 4)).toEqual(['Immediate', 'Immediate', 'Immediate', 'Immediate']);
    expect(kinds.slice(4)).toEqual(['Timeout', 'Timeout', 'Timeout', 'Timeout']);
    expect((setImmediate(nativeTick) as unknown as { constructor: { name: string } }).constructor.name).toBe('Immediate');
  });

  it('leaves JavaScript callbacks (plain and bound) on real Immediates; clearImmediate cancels them', async () => {
    const ran: string[] = [];
    await gpuWait(async () => {
      for (let i = 0; i < 10; i++) setImmediate(nativeTick); // use up the immediate ticks
      const plain = setImmediate(() => ran.push('plain'));
      const bound = setImmediate(function (this: string[]) { this.push('bound'); }.bind(ran));
      const cancelled = setImmediate(() => ran.push('cancelled'));
      expect(plain.constructor.name).toBe('Immediate');
      expect(bound.constructor.name).toBe('Immediate');
      clearImmediate(cancelled);
      await new Promise<void>((r) => realImmediate(r));
      await new Promise<void>((r) => realImmediate(r));
    });
    expect(ran.sort()).toEqual(['bound', 'plain']);
  });

  it('restores the global after nested, concurrent and failing waits', async () => {
    const inner = gpuWait(async () => { await sleep(3); return 1; });
    const outer = gpuWait(async () => {
      expect(globalThis.setImmediate).not.toBe(realImmediate);
      await gpuWait(async () => sleep(1));
      expect(globalThis.setImmediate).not.toBe(realImmediate); // `inner` still pending
      await sleep(6);
      return 2;
    });
    expect(await Promise.all([inner, outer])).toEqual([1, 2]);
    expect(globalThis.setImmediate).toBe(realImmediate);
    await expect(gpuWait(async () => { throw new Error('storygrad: lost'); })).rejects.toThrow(/lost/);
    expect(globalThis.setImmediate).toBe(realImmediate);
  });

  it('does nothing when turned off', async () => {
    gpuWaitOptions.throttle = false;
    await gpuWait(async () => {
      expect(globalThis.setImmediate).toBe(realImmediate);
    });
  });
});
