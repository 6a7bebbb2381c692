/**
 * The demo's training step for the step benchmarks (bench/step-ab.mjs, bench/step-cost.mjs): what
 * `storygrad train` does per step — forward, cross-entropy, backward, gradient clipping at norm 1,
 * one readback of (loss, norm), AdamW — on fixed pseudo-random tokens.
 *
 * `sg` is the storygrad module of the build under test (step-ab loads two builds): with
 * `clipScaleOnDevice` the clip factor is applied inside the AdamW update, as the trainer does; an
 * older build without it clips with `clipGradNormOnDevice`.
 */

/** B x (T + 1) pseudo-random token ids below V, split into inputs and next-token targets. */
export function fixedTokens(B, T, V, seed = 12345) {
  let s = seed;
  const ids = Int32Array.from({ length: B * (T + 1) }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % V);
  const inputs = new Int32Array(B * T), targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    inputs.set(ids.subarray(b * (T + 1), b * (T + 1) + T), b * T);
    targets.set(ids.subarray(b * (T + 1) + 1, (b + 1) * (T + 1)), b * T);
  }
  return { inputs, targets };
}

/**
 * A model of `cfg`, its AdamW (lr 1e-3, weight decay 0.1) and an async step function over batch
 * B of cfg.nCtx tokens; the step resolves to the step's loss. `opts.flush` submits parts of the
 * step early (bench/step-threads.mjs): 'fwd' after the forward, 'adam' right after AdamW is
 * recorded, 'both'; default 'none' (one submit, at the loss readback, as the trainer does).
 */
export function trainStep(sg, cfg, B, opts = {}) {
  const flush = opts.flush ?? 'none';
  const be = sg.getBackend();
  const T = cfg.nCtx, V = cfg.vocabSize;
  const model = new sg.models.GPT(cfg);
  const params = model.parameters();
  const opt = new sg.optim.AdamW(params, { lr: 1e-3, weightDecay: 0.1 });
  const { inputs, targets } = fixedTokens(B, T, V);
  const fusedClip = typeof sg.optim.clipScaleOnDevice === 'function';
  const step = async () => {
    let scale = null;
    const stats = sg.tidy(() => {
      const logits = model.forward(sg.tensor(inputs, { shape: [B, T] })); // [B, T, V]
      if (flush === 'fwd' || flush === 'both') be.flush();
      const loss = sg.crossEntropy(logits.reshape([B * T, V]), sg.tensor(targets, { shape: [B * T] }));
      loss.backward();
      let norm;
      if (fusedClip) {
        const c = sg.optim.clipScaleOnDevice(params, 1);
        scale = sg.keep(c.scale);
        norm = c.norm;
      } else norm = sg.optim.clipGradNormOnDevice(params, 1);
      return sg.keep(sg.stack([loss.detach(), norm]));
    });
    const v = await stats.data();
    stats.dispose();
    if (fusedClip) opt.step({ gradScale: scale });
    else opt.step();
    opt.zeroGrad();
    if (flush === 'adam' || flush === 'both') be.flush();
    scale?.dispose();
    return v[0];
  };
  return { model, step };
}
