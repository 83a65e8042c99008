import { describe, expectTypeOf, it } from 'vitest'
import { artifact, defineConfig, pipeline, step, z, type ArtifactRef } from '../src/index.js'

const Row = z.object({ x: z.number(), label: z.string() })

const load = step({
  name: 'load',
  params: z.object({ rows: z.number().int().default(10) }),
  outputs: { data: artifact.dataset(Row) },
  run: ({ params }) => ({ data: Array.from({ length: params.rows }, (_, i) => ({ x: i, label: String(i % 2) })) }),
})

const train = step({
  name: 'train',
  params: z.object({ lr: z.number().positive().default(0.1) }),
  inputs: { data: artifact.dataset(Row) },
  outputs: { model: artifact.model<{ weights: number[] }>(), metrics: artifact.metrics() },
  run: ({ inputs, params }) => {
    expectTypeOf(inputs.data).toEqualTypeOf<{ x: number; label: string }[]>()
    expectTypeOf(params.lr).toEqualTypeOf<number>()
    return { model: { weights: [params.lr] }, metrics: { n: inputs.data.length } }
  },
})

const score = step({
  name: 'score',
  inputs: { model: artifact.model<{ weights: number[] }>(), data: artifact.dataset(z.object({ x: z.number() })) },
  outputs: { report: artifact.json<{ mean: number }>() },
  run: ({ inputs }) => ({ report: { mean: inputs.model.weights[0] ?? 0 } }),
})

describe('typed wiring', () => {
  it('passes outputs into inputs of the same kind and shape', () => {
    pipeline({
      steps() {
        const { data } = load()
        expectTypeOf(data).toMatchTypeOf<ArtifactRef>()
        const { model } = train({ data }, { params: { lr: 0.5 } })
        // A dataset with more columns feeds a step that needs fewer.
        score({ model, data })
      },
    })
  })

  it('rejects an output of another kind', () => {
    pipeline({
      steps() {
        const { data } = load()
        const { metrics } = train({ data })
        // @ts-expect-error a metrics artifact is not a dataset
        train({ data: metrics })
        // @ts-expect-error a dataset is not a model
        score({ model: data, data })
      },
    })
  })

  it('rejects a dataset whose rows lack a required column', () => {
    const other = step({
      name: 'other',
      outputs: { data: artifact.dataset(z.object({ y: z.string() })) },
      run: () => ({ data: [{ y: 'a' }] }),
    })
    pipeline({
      steps() {
        const { data } = other()
        // @ts-expect-error rows have no numeric `x`
        train({ data })
      },
    })
  })

  it('rejects missing inputs, wrong params and wrong outputs', () => {
    pipeline({
      steps() {
        // @ts-expect-error train needs its `data` input
        train()
        const { data } = load()
        // @ts-expect-error lr is a number
        train({ data }, { params: { lr: 'fast' } })
      },
    })
    step({
      name: 'bad',
      outputs: { model: artifact.model<{ w: number }>() },
      // @ts-expect-error the declared output is `model`, not `weights`
      run: () => ({ weights: { w: 1 } }),
    })
  })

  it('defineConfig keeps the literal type', () => {
    const config = defineConfig({ pipelines: { p: pipeline({ steps() { load() } }) } })
    expectTypeOf(config).not.toBeAny()
  })
})
