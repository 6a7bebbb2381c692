/**
 * The metrics log of a run: one JSON object per line (`metrics.jsonl`), appended as steps finish
 * and read back for plots and resumption. On resume, records past the checkpoint's step are
 * dropped so the log matches what a run without interruption writes.
 */

/** One line of the metrics log. */
export interface MetricsRecord {
  step: number;
  /** Training loss of the step (mean over its tokens and micro-batches). */
  loss?: number;
  /** Validation loss, on evaluation steps. */
  valLoss?: number;
  lr?: number;
  /** Global gradient L2 norm before clipping. */
  gradNorm?: number;
  tokensPerSec?: number;
  bytesInUse?: number;
  /** Milliseconds since the run (or its resumption) started. */
  elapsedMs?: number;
  /** Generated sample text, on evaluation steps. */
  sample?: string;
}

async function fs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

/** Appends records to a JSONL file (Node/Deno). */
export class MetricsLog {
  constructor(readonly path: string) {}

  /** Appends one record as a line. */
  async append(record: MetricsRecord): Promise<void> {
    await (await fs()).appendFile(this.path, JSON.stringify(record) + '\n');
  }

  /** Every record in the file ([] when it does not exist); a torn last line is skipped. */
  async read(): Promise<MetricsRecord[]> {
    let text: string;
    try {
      text = await (await fs()).readFile(this.path, 'utf8');
    } catch {
      return [];
    }
    const out: MetricsRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as MetricsRecord);
      } catch {
        /* a line cut by a crash mid-append */
      }
    }
    return out;
  }

  /** Rewrites the log keeping only records with step <= `step` (used on resume). */
  async truncateAfter(step: number): Promise<void> {
    const kept = (await this.read()).filter((r) => r.step <= step);
    const { writeFileAtomic } = await import('../io/atomic-write.js');
    await writeFileAtomic(this.path, new TextEncoder().encode(kept.map((r) => JSON.stringify(r) + '\n').join('')));
  }
}
