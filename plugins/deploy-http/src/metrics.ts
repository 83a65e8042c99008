import type { PredictionLogWriter } from '@mlops/core'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

export type Variant = 'primary' | 'canary' | 'shadow' | ''

/**
 * The server's Prometheus metrics, in a registry of its own (several servers may share a process).
 * Prediction-log counters are read from the writer's stats when scraped, so logging costs nothing extra.
 */
export class ServerMetrics {
  readonly registry = new Registry()
  readonly #requests: Counter<'route' | 'status' | 'model' | 'version' | 'variant'>
  readonly #latency: Histogram<'route' | 'variant'>
  readonly #predictions: Counter<'model' | 'version' | 'variant'>
  readonly #shadowSkipped: Counter

  constructor(log: PredictionLogWriter, served: () => { model: string; versions: { version: string; variant: string }[] }, inFlight: () => number) {
    const registers = [this.registry]
    this.#requests = new Counter({
      name: 'mlops_http_requests_total',
      help: 'HTTP requests answered, by route template, status code, model, version and variant.',
      labelNames: ['route', 'status', 'model', 'version', 'variant'],
      registers,
    })
    this.#latency = new Histogram({
      name: 'mlops_http_request_duration_seconds',
      help: 'Time from request arrival to the end of the response, by route template and variant.',
      labelNames: ['route', 'variant'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    })
    this.#predictions = new Counter({
      name: 'mlops_predictions_total',
      help: 'Rows scored, by model, version and variant (shadow rows included).',
      labelNames: ['model', 'version', 'variant'],
      registers,
    })
    this.#shadowSkipped = new Counter({
      name: 'mlops_shadow_skipped_total',
      help: 'Requests not scored by the shadow model because too many shadow predictions were already running.',
      registers,
    })
    const fromStats = (name: string, help: string, key: 'logged' | 'dropped' | 'written' | 'batches' | 'failures') =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset()
          this.inc(log.stats()[key])
        },
      })
    fromStats('mlops_prediction_log_logged_total', 'Predictions accepted into the prediction log queue.', 'logged')
    fromStats('mlops_prediction_log_dropped_total', 'Predictions dropped (queue full, or a batch that failed twice).', 'dropped')
    fromStats('mlops_prediction_log_written_total', 'Predictions written to the artifact and metadata stores.', 'written')
    fromStats('mlops_prediction_log_batches_total', 'Prediction log batches written.', 'batches')
    fromStats('mlops_prediction_log_failures_total', 'Prediction log batches that failed after a retry.', 'failures')
    new Gauge({
      name: 'mlops_prediction_log_queued',
      help: 'Predictions waiting in the prediction log queue.',
      registers,
      collect() {
        this.set(log.stats().queued)
      },
    })
    new Gauge({
      name: 'mlops_http_in_flight_requests',
      help: 'Requests being handled now.',
      registers,
      collect() {
        this.set(inFlight())
      },
    })
    new Gauge({
      name: 'mlops_model_info',
      help: 'The model versions served now (value 1), by variant.',
      labelNames: ['model', 'version', 'variant'],
      registers,
      collect() {
        this.reset()
        const s = served()
        for (const v of s.versions) this.set({ model: s.model, version: v.version, variant: v.variant }, 1)
      },
    })
  }

  request(route: string, status: number, model: string, version: string, variant: Variant, seconds: number): void {
    this.#requests.inc({ route, status, model, version, variant })
    this.#latency.observe({ route, variant }, seconds)
  }

  predictions(model: string, version: string, variant: Variant, rows: number): void {
    this.#predictions.inc({ model, version, variant }, rows)
  }

  shadowSkipped(): void {
    this.#shadowSkipped.inc()
  }
}
