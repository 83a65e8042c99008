import type { Span, Tracer } from '@opentelemetry/api'

// API only: with no SDK registered these spans are no-ops; a user registers an exporter to see them.
// Imported on first use: commands that run no pipeline (`mlops runs ls`) do not pay for it.
let tracer: Promise<{ tracer: Tracer; ok: number; error: number }> | undefined
function getTracer() {
  tracer ??= import('@opentelemetry/api').then(({ trace, SpanStatusCode }) => ({
    tracer: trace.getTracer('@mlops/core'),
    ok: SpanStatusCode.OK,
    error: SpanStatusCode.ERROR,
  }))
  return tracer
}

export async function withSpan<T>(name: string, attributes: Record<string, string | number | boolean>, fn: (span: Span) => Promise<T>): Promise<T> {
  const { tracer, ok, error: errorCode } = await getTracer()
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      const result = await fn(span)
      span.setStatus({ code: ok })
      return result
    } catch (error) {
      span.recordException(error instanceof Error ? error : new Error(String(error)))
      span.setStatus({ code: errorCode, message: error instanceof Error ? error.message : String(error) })
      throw error
    } finally {
      span.end()
    }
  })
}
