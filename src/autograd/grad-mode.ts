/** Global gradient-recording switch: `noGrad(fn)` runs fn without building the tape. */

let enabled = true;

/** Whether ops currently record gradient nodes. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs fn with gradient recording off (restored afterwards, also on error). */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs fn with gradient recording on. */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
