/**
 * A two-stage data curriculum: the first optimizer steps draw their batches from one source,
 * the rest from another (e.g. name-dense games of catch before stories, see the demo). Batches
 * stay a pure function of the micro-step index, so resuming mid-run replays the same data.
 */
import type { Batch } from '../data/loader.js';
import type { TrainBatches } from './trainer.js';

/** Batches from `first` for the first `firstSteps` optimizer steps, then from `rest`. */
export class CurriculumBatches implements TrainBatches {
  /**
   * `gradAccum` micro-batches make one optimizer step (the Trainer's micro-step index counts
   * them), so `first` serves micro-steps below firstSteps * gradAccum.
   */
  constructor(readonly first: TrainBatches, readonly rest: TrainBatches, readonly firstSteps: number, readonly gradAccum = 1) {
    if (!Number.isInteger(firstSteps) || firstSteps < 0) throw new RangeError(`firstSteps must be a non-negative integer, got ${firstSteps}`);
    if (!Number.isInteger(gradAccum) || gradAccum < 1) throw new RangeError(`gradAccum must be a positive integer, got ${gradAccum}`);
  }

  batch(index: number): Batch {
    return index < this.firstSteps * this.gradAccum ? this.first.batch(index) : this.rest.batch(index);
  }
}
