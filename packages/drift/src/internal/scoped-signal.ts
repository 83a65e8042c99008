import { setMaxListeners } from 'node:events'

/**
 * A signal for many concurrent pool tasks: each task adds an abort listener, and Node warns about a leak
 * past 10 listeners on one signal. The caller's signal gets one listener (removed by `dispose`); the scoped
 * signal, which follows it, allows any number.
 */
export function scopedSignal(parent: AbortSignal | undefined): { signal: AbortSignal | undefined; dispose(): void } {
  if (!parent) return { signal: undefined, dispose() {} }
  const controller = new AbortController()
  setMaxListeners(0, controller.signal)
  if (parent.aborted) controller.abort(parent.reason)
  const forward = () => controller.abort(parent.reason)
  parent.addEventListener('abort', forward, { once: true })
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', forward) }
}
