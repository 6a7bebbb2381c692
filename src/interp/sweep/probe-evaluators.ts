/**
 * Sweep evaluators for the two probe suites (src/interp/probes/): `probe.factual` and
 * `probe.tracking`, each recording `accuracy` (answer log-prob above every distractor's),
 * `meanMargin` (answer log-prob minus the best distractor's, nats) and `items` (how many were
 * scored), so the report plots both accuracies against the layer count. Items longer than the
 * model's context are left out (every configuration of a sweep shares the context, so all score
 * the same items); with a context too short for any item only `items: 0` is recorded.
 */
import type { SweepEvaluator } from './evaluators.js';
import type { ProbeSuite } from '../probes/types.js';
import { factualSuite } from '../probes/factual.js';
import { trackingSuite } from '../probes/tracking.js';
import { encodeProbeItem, probeEncoder, scoreProbeSuite } from '../probes/score.js';

/** An evaluator scoring one probe suite; its metrics are `probe.<suite>.accuracy|meanMargin`. */
export function probeSuiteEvaluator(suite: ProbeSuite): SweepEvaluator {
  return {
    name: `probe.${suite.name}`,
    async evaluate(model, tokenizer): Promise<Record<string, number>> {
      const enc = probeEncoder(tokenizer);
      const nCtx = model.config.nCtx;
      const items = suite.items.filter((it) => Math.max(...encodeProbeItem(it, enc).sequences.map((s) => s.length)) - 1 <= nCtx);
      if (items.length === 0) return { items: 0 }; // the table shows 0 items and no accuracy
      const r = await scoreProbeSuite(model, tokenizer, { ...suite, items });
      return { accuracy: r.accuracy, meanMargin: r.meanMargin, items: items.length };
    },
  };
}

/** Both suites with the given seed (every configuration of a sweep sees the same items). */
export function probeEvaluators(seed = 0): SweepEvaluator[] {
  return [probeSuiteEvaluator(factualSuite({ seed })), probeSuiteEvaluator(trackingSuite({ seed }))];
}
