/**
 * Interpretability tools: probes (and, beside them, hooks and sweeps).
 * @module
 */

// Probes (src/interp/probes/): factual and context-tracking suites and their scoring.
export * from './probes/index.js';
