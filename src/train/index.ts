/** `sg.train`: the Trainer, its learning-rate schedule, checkpoints, metrics log, loss plot and SVG line charts. */
export { Trainer, NonFiniteLossError } from './trainer.js';
export type { TrainerOptions, TrainResult, TrainBatches, EvalBatches, SampleDecoder } from './trainer.js';
export { learningRateAt } from './schedule.js';
export type { ScheduleOptions } from './schedule.js';
export { saveCheckpoint, loadCheckpoint, findCheckpoint } from './checkpoint.js';
export type { TrainingState } from './checkpoint.js';
export { MetricsLog } from './metrics.js';
export type { MetricsRecord } from './metrics.js';
export { lossCurveSvg, niceTicks } from './plot.js';
export type { LossPlotOptions } from './plot.js';
export { lineChartSvg, logTicks, formatTick } from './svg-chart.js';
export type { LineChartOptions, ChartSeries, ChartAxis } from './svg-chart.js';
export { formatProgress, formatDuration } from './progress.js';
export type { ProgressState } from './progress.js';
export { findNonFiniteParameter, findNonFiniteActivation } from './nonfinite.js';
export { trainRun, readRun } from './run.js';
export type { RunTrainOptions, TrainRunOptions, TrainRunResult, RunManifest } from './run.js';
export type { RunTokenizer } from './run-tokenizer.js';
