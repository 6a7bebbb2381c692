/**
 * Layer/width sweeps: train a grid of GPT shapes under one budget (tokens, FLOPs, or matched
 * parameter counts), evaluate each with pluggable evaluators, and report a table, a JSONL of
 * metrics and SVG plots. Each configuration is an independent, resumable job in its own directory.
 */
export { runSweep } from './sweep.js';
export type { RunSweepOptions, SweepSummary } from './sweep.js';
export type { SweepSpec, SweepBudget, SweepHeads, SweepDataSpec, ParamCountKind } from './spec.js';
export { describeBudget, specDifference } from './spec.js';
export { expandGrid, configId, parseConfigId } from './grid.js';
export type { SweepConfig } from './grid.js';
export { trainingAmount } from './budget.js';
export type { TrainingAmount, StepGeometry } from './budget.js';
export { matchDModel, dModelStep, headsFor } from './match-params.js';
export type { MatchOptions, MatchedShape } from './match-params.js';
export { validationLossEvaluator, runEvaluators } from './evaluators.js';
export type { SweepEvaluator, ValidationLossOptions } from './evaluators.js';
export { defaultEvaluators } from './default-evaluators.js';
export { probeSuiteEvaluator, probeEvaluators } from './probe-evaluators.js';
export type { EvaluatorContext } from './default-evaluators.js';
export { prepareSweepData, VAL_FRACTION } from './data.js';
export type { SweepData } from './data.js';
export { runConfig, trainingSeconds } from './job.js';
export type { RunConfigOptions, ConfigOutcome } from './job.js';
export { SWEEP_FILES, configDir, readConfigStates } from './layout.js';
export type { SweepManifest, ConfigResult, ConfigError, ConfigState } from './layout.js';
export { buildReport, collectRows, reportMarkdown, metricsJsonl, orderMetricNames, describeSpec } from './report.js';
export type { ReportRow, SweepReport } from './report.js';
export { lossVsParamsSvg, accuracyVsLayersSvg, accuracyMetrics } from './plots.js';
export type { LossVsParamsOptions } from './plots.js';
