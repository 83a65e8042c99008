import type { StepIoRecord } from '../plugin/kinds.js'

/** A step output named in the config as `step.output` (`train.model`, `split.test`). */
export interface OutputRef {
  stepId: string
  name: string
}

/** Splits `step.output` at its last dot (step ids may hold dots, output names do not); undefined when it is not one. */
export function parseOutputRef(text: unknown): OutputRef | undefined {
  if (typeof text !== 'string') return undefined
  const dot = text.lastIndexOf('.')
  if (dot <= 0 || dot === text.length - 1) return undefined
  return { stepId: text.slice(0, dot), name: text.slice(dot + 1) }
}

/** The artifact hash a run recorded for an output, from its lineage edges. */
export function outputHash(io: readonly StepIoRecord[], ref: OutputRef): string | undefined {
  return io.find((e) => e.direction === 'output' && e.stepId === ref.stepId && e.name === ref.name)?.hash
}
