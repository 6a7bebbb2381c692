/**
 * Probe suites for what a small story model knows and tracks, written as templates over the
 * embedded corpus's world and generated with a seed: {@link factualSuite} (world facts the
 * corpus states, asked in other words) and {@link trackingSuite} (who had what, which colour,
 * who went where, who did what, pronouns), with {@link scoreProbeSuite} to score a model on them.
 */
export type { ProbeItem, ProbeSuite, ProbeKindScore, ProbeScore } from './types.js';
export { factualSuite, FACTUAL_KINDS, FACTUAL_DEFAULT_N } from './factual.js';
export { trackingSuite, TRACKING_KINDS, TRACKING_DEFAULT_N } from './tracking.js';
export {
  scoreProbeSuite, scoreProbeItems, summarizeProbeScores, chanceAccuracy, encodeProbeItem, probeEncoder,
} from './score.js';
export type { ProbeModel, ScoreProbeOptions, ProbeItemScore, EncodedProbeItem } from './score.js';
