export { createPredictionLogWriter, PREDICTION_BATCHES } from './prediction-log.js'
export type { PredictionBatchDoc, PredictionLogWriterOptions } from './prediction-log.js'
export { appendLabels, iteratePredictionLog, LABEL_BATCHES, readLabels, readPredictionLog } from './read.js'
export type { AppendLabelsOptions, LabelBatchDoc, LabelRecord, PredictionLogQuery, ReadLabelsOptions } from './read.js'
