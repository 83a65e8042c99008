import type { z } from 'zod'
import type { Logger } from '../plugin/kinds.js'
import type { WorkerPool } from '../pool/worker-pool.js'
import type { ArtifactType, ArtifactValue } from './artifacts.js'
import { currentBuilder } from './pipeline.js'

export type ArtifactMap = Record<string, ArtifactType>

/** A typed handle on one output of one step in a pipeline graph. */
export interface ArtifactRef<A extends ArtifactType = ArtifactType> {
  readonly nodeId: string
  readonly output: string
  readonly artifact: A
  /** Phantom: carries the value type so refs of other kinds or shapes do not type-check. */
  readonly __value?: ArtifactValue<A>
  readonly __kind: A['kind']
}

export type InputRefs<I extends ArtifactMap> = { [K in keyof I]: ArtifactRef<I[K]> }
export type OutputRefs<O extends ArtifactMap> = { [K in keyof O]: ArtifactRef<O[K]> }
export type InputValues<I extends ArtifactMap> = { [K in keyof I]: ArtifactValue<I[K]> }
export type OutputValues<O extends ArtifactMap> = { [K in keyof O]: ArtifactValue<O[K]> }

export interface RetryPolicy {
  /** Total attempts including the first (default 1: no retry). */
  attempts: number
  /** Wait before the second attempt; doubles each time (default 200 ms). */
  backoffMs?: number
}

export interface StepRunContext<P extends z.ZodType, I extends ArtifactMap> {
  params: z.output<P>
  inputs: InputValues<I>
  /** Aborted on Ctrl-C, on timeout, or when another step failed. Pass it on to every async call. */
  signal: AbortSignal
  logger: Logger
  runId: string
  /** The node's id in the pipeline (the step name, or the `id` given when it was added). */
  stepId: string
  /** 1 on the first attempt. */
  attempt: number
  /** Core's worker-thread pool for CPU-heavy work. */
  pool: WorkerPool
  /** Records a metric of this run (also done for every key of a `metrics` output). */
  logMetric(key: string, value: number): void
  /**
   * Appends an event (e.g. `drift.detected`) to the event log once the step has succeeded, for
   * triggers and notifiers. The payload gets `runId`, `pipeline` and `stepId` added.
   */
  emitEvent(type: string, payload: Record<string, unknown>): void
}

export interface StepConfig<P extends z.ZodType, I extends ArtifactMap, O extends ArtifactMap> {
  name: string
  description?: string
  /** Bump to invalidate cached outputs when code the step calls (not its own body) changed. */
  version?: string
  params?: P
  inputs?: I
  outputs: O
  /** Reuse outputs of an identical earlier execution (default true). */
  cache?: boolean
  retry?: RetryPolicy
  timeoutMs?: number
  run(ctx: StepRunContext<P, I>): OutputValues<O> | Promise<OutputValues<O>>
}

export interface AddStepOptions<P extends z.ZodType> {
  /** Node id when the same step is used twice in one pipeline. */
  id?: string
  /** Parameter values for this use; merged over the schema's defaults, under `--param` overrides. */
  params?: Partial<z.input<P>>
}

const STEP_BRAND = Symbol.for('@mlops/core/step')

export type StepDefinition<P extends z.ZodType = z.ZodType, I extends ArtifactMap = ArtifactMap, O extends ArtifactMap = ArtifactMap> =
  (keyof I extends never
    ? (inputs?: Record<string, never>, options?: AddStepOptions<P>) => OutputRefs<O>
    : (inputs: InputRefs<I>, options?: AddStepOptions<P>) => OutputRefs<O>) & {
    readonly [STEP_BRAND]: true
    readonly config: StepConfig<P, I, O>
  }

/**
 * Declares a step: typed params (zod), typed input and output artifacts, and the code to run.
 * Inside `pipeline({ steps() { … } })` call it like a function to add it to the graph:
 * `const { model } = train({ data: split.train }, { params: { lr: 0.1 } })`.
 */
export function step<I extends ArtifactMap = {}, O extends ArtifactMap = {}, P extends z.ZodType = z.ZodObject<{}>>(
  config: StepConfig<P, I, O>,
): StepDefinition<P, I, O> {
  const add = (inputs?: InputRefs<I>, options?: AddStepOptions<P>): OutputRefs<O> =>
    currentBuilder(config.name).addNode(add as unknown as StepDefinition, (inputs ?? {}) as Record<string, ArtifactRef>, options ?? {}) as OutputRefs<O>
  Object.defineProperty(add, STEP_BRAND, { value: true })
  Object.defineProperty(add, 'config', { value: config })
  Object.defineProperty(add, 'name', { value: config.name })
  return add as unknown as StepDefinition<P, I, O>
}

export function isStepDefinition(value: unknown): value is StepDefinition {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[STEP_BRAND] === true
}
