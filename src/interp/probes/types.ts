/** The data of a probe suite and of its scores (see factual.ts, tracking.ts and score.ts). */

/**
 * One probe: a prompt, the right continuation and wrong ones. Continuations carry their leading
 * space (`' blue'`), so `prompt + answer` is the completed text.
 */
export interface ProbeItem {
  prompt: string;
  answer: string;
  distractors: string[];
  /** What the item tests, e.g. 'color' or 'pronoun'; scores are also reported per kind. */
  kind: string;
}

/** A suite of probes generated from templates with a seed. */
export interface ProbeSuite {
  name: 'factual' | 'tracking';
  seed: number;
  items: ProbeItem[];
}

/** Scores over a set of items. */
export interface ProbeKindScore {
  /** Number of items. */
  n: number;
  /** Fraction of items whose answer has a higher log-probability than every distractor. */
  accuracy: number;
  /** Mean over items of log P(answer) − max log P(distractor), in nats. */
  meanMargin: number;
}

/** Scores of a suite: overall and per kind of item. */
export interface ProbeScore extends ProbeKindScore {
  suite: string;
  perKind: Record<string, ProbeKindScore>;
}
