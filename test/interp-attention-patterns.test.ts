// Attention pattern export on both archs and backends, against a float64 softmax(q·kᵀ/√dHead)
// with the causal mask recomputed from the cached (rotated, for llama) queries and keys with the
// grouped-query head mapping; the SVG heatmap is checked for well-formed XML and escaped labels;
// results are written atomically.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { allClose, loadBackends } from './helpers/backends.js';
import { randomModel, read } from './helpers/interp-models.js';

const backends = await loadBackends();
const TOKENS = [[3, 1, 4, 1, 5, 9], [2, 6, 5, 3, 5, 8]];
const [T, H, Dh] = [6, 4, 4];

/**
 * Checks that `xml` is well-formed for what an SVG heatmap uses: balanced elements, quoted
 * attributes, and no raw '<' or bare '&' in text or attribute values. Returns the element names.
 */
function checkWellFormed(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const entity = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
  const checkText = (text: string, where: string) => {
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '<') throw new Error(`raw '<' in ${where}`);
      if (text[i] === '&') {
        entity.lastIndex = i;
        if (!entity.test(text)) throw new Error(`bare '&' in ${where}: ${text.slice(i, i + 10)}`);
      }
    }
  };
  let i = xml.startsWith('<?xml') ? xml.indexOf('?>') + 2 : 0;
  while (i < xml.length) {
    const open = xml.indexOf('<', i);
    if (open < 0) { checkText(xml.slice(i), 'trailing text'); break; }
    checkText(xml.slice(i, open), `text before offset ${open}`);
    const close = xml.indexOf('>', open);
    if (close < 0) throw new Error(`unclosed tag at ${open}`);
    const tag = xml.slice(open + 1, close);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) throw new Error(`</${name}> does not close the open element`);
    } else {
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = /^([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*$/.exec(body);
      if (!m) throw new Error(`malformed tag <${tag}>`);
      for (const [, value] of m[2]!.matchAll(/="([^"]*)"/g)) checkText(value!, `attribute of <${m[1]}>`);
      names.push(m[1]!);
      if (!selfClosing) stack.push(m[1]!);
    }
    i = close + 1;
  }
  if (stack.length) throw new Error(`unclosed elements: ${stack.join(', ')}`);
  return names;
}

describe.each(backends)('attention patterns on $name', (entry) => {
  entry.describe('export', () => {
    for (const arch of ['gpt2', 'llama'] as const) {
      it(`${arch}: patterns equal a float64 causal softmax of the cached queries and keys`, async () => {
        const m = randomModel(entry.backend, arch);
        const Hkv = arch === 'llama' ? 2 : 4;
        const qName = arch === 'llama' ? 'hook_rot_q' : 'hook_q', kName = arch === 'llama' ? 'hook_rot_k' : 'hook_k';
        const names = [`blocks.1.attn.${qName}`, `blocks.1.attn.${kName}`];
        const { logits, cache } = await m.runWithCache(TOKENS, { names });
        const q = await read(cache.get(names[0]!)), k = await read(cache.get(names[1]!));
        cache.dispose(); logits.dispose();
        const res = await sg.interp.attentionPatterns(m, TOKENS, { layers: [1], heads: [3, 0], batch: 1 });
        expect(res.tokens).toEqual(TOKENS[1]);
        expect(res.layers.map((l) => [l.layer, l.headIndices])).toEqual([[1, [3, 0]]]);
        let sharp = 0;
        res.layers[0]!.heads.forEach((pat, i) => {
          const h = [3, 0][i]!, kvh = Math.floor(h / (H / Hkv));
          expect(pat).toHaveLength(T);
          for (let t = 0; t < T; t++) {
            const s = Array.from({ length: t + 1 }, (_, j) => {
              let dot = 0;
              for (let e = 0; e < Dh; e++) dot += q[((T + t) * H + h) * Dh + e]! * k[((T + j) * Hkv + kvh) * Dh + e]!;
              return dot / Math.sqrt(Dh);
            });
            const mx = Math.max(...s);
            const z = s.reduce((acc, v) => acc + Math.exp(v - mx), 0);
            const ref = [...s.map((v) => Math.exp(v - mx) / z), ...new Array(T - t - 1).fill(0)];
            allClose(pat[t]!, ref, { atol: 1e-5, rtol: 1e-4 }, `head ${h} row ${t}`);
            sharp = Math.max(sharp, ...pat[t]!.slice(0, t + 1).map((p) => Math.abs(p - 1 / (t + 1))));
          }
        });
        expect(sharp).toBeGreaterThan(0.1); // patterns far from uniform: the check is not vacuous
        // Defaults: every layer, every head, batch 0; JSON round trip.
        const all = await sg.interp.attentionPatterns(m, TOKENS);
        expect(all.layers.map((l) => l.headIndices)).toEqual([[0, 1, 2, 3], [0, 1, 2, 3]]);
        expect(all.tokens).toEqual(TOKENS[0]);
        expect(JSON.parse(JSON.stringify(all))).toEqual(all);
      });
    }

    it('names the bound of bad layers, heads and batch rows; frees what it cached', async () => {
      const m = randomModel(entry.backend, 'llama');
      await sg.interp.attentionPatterns(m, TOKENS, { layers: [0] });
      const before = sg.memory().liveTensors;
      await sg.interp.attentionPatterns(m, TOKENS, { layers: [0, 1] });
      expect(sg.memory().liveTensors).toBe(before);
      await expect(sg.interp.attentionPatterns(m, TOKENS, { layers: [2] })).rejects.toThrow(/layer 2 is out of range: the model has 2 layers \(0..1\)/);
      await expect(sg.interp.attentionPatterns(m, TOKENS, { heads: [4] })).rejects.toThrow(/head 4 \(layer 0\) is out of range: the model has 4 heads per layer \(0..3\)/);
      await expect(sg.interp.attentionPatterns(m, TOKENS, { batch: 2 })).rejects.toThrow(/batch 2 is out of range for 2 sequences \(0..1\)/);
    });
  });
});

describe('pattern SVG and atomic writes', () => {
  const pattern = [[1, 0, 0], [0.25, 0.75, 0], [0.5, 0, 0.5]];
  const tokens = ['<b>', 'a&b "q"', "it's\u0001"];

  it('is well-formed XML with escaped labels and one cell per weight', () => {
    const svg = sg.interp.patternSvg(pattern, { tokens, title: 'L0H1 <copy> & "induction"' });
    const names = checkWellFormed(svg);
    expect(names[0]).toBe('svg');
    expect(names.filter((n) => n === 'rect')).toHaveLength(9);
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).toContain('a&amp;b &quot;q&quot;');
    expect(svg).toContain('it&apos;s\ufffd');
    expect(svg).toContain('L0H1 &lt;copy&gt; &amp; &quot;induction&quot;');
    expect(svg).not.toContain('\u0001');
    // Colours: weight 1 is the darkest, 0 white, 0.5 in between.
    const fills = [...svg.matchAll(/<rect [^>]*fill="rgb\((\d+),(\d+),(\d+)\)"/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
    expect(fills[0]).toEqual([8, 48, 107]);
    expect(fills[1]).toEqual([255, 255, 255]);
    expect(fills[6]![0]).toBeGreaterThan(8);
    expect(fills[6]![0]).toBeLessThan(255);
    expect(() => checkWellFormed('<svg><text>a < b</text></svg>')).toThrow(/malformed tag/);
    expect(() => checkWellFormed('<svg><text>a</svg>')).toThrow(/does not close/);
    expect(() => checkWellFormed('<svg><text>a & b</text></svg>')).toThrow(/bare '&'/);
  });

  it('rejects mismatched labels and ragged patterns', () => {
    expect(() => sg.interp.patternSvg(pattern, { tokens: ['a', 'b'] })).toThrow(/2 token labels for a 3x3 pattern \(need 3\)/);
    expect(() => sg.interp.patternSvg([[1, 0], [1]], { tokens: ['a', 'b'] })).toThrow(/row 1 has 1 weights, row 0 has 2/);
  });

  it('saveAnalysis writes JSON and SVG atomically, leaving no temporary files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sg-interp-'));
    try {
      const data = { tokens: [1, 2], layers: [{ layer: 0, headIndices: [0], heads: [[[1, 0], [0.5, 0.5]]] }] };
      await sg.interp.saveAnalysis(join(dir, 'patterns.json'), data);
      await sg.interp.saveAnalysis(join(dir, 'p.svg'), sg.interp.patternSvg(data.layers[0]!.heads[0]!, { tokens: ['x', 'y'] }));
      await sg.interp.saveAnalysis(join(dir, 'patterns.json'), { ...data, tokens: [3, 4] }); // replaces
      expect(JSON.parse(await readFile(join(dir, 'patterns.json'), 'utf8'))).toEqual({ ...data, tokens: [3, 4] });
      checkWellFormed(await readFile(join(dir, 'p.svg'), 'utf8'));
      expect((await readdir(dir)).sort()).toEqual(['p.svg', 'patterns.json']);
      await expect(sg.interp.saveAnalysis(join(dir, 'f.json'), () => 1)).rejects.toThrow(/cannot write function to .*f\.json \(not JSON-serializable\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
