/**
 * URL of the compiled worker-task module. Pool workers import it, and Node 20 cannot run a `.ts` module in a
 * worker, so when this file itself runs from source (vitest) point at the build output in dist/.
 */
export function tasksModuleUrl(): string {
  const url = new URL('./tasks.js', import.meta.url).href
  return import.meta.url.endsWith('.ts') ? url.replace(/\/src\/internal\/tasks\.js$/, '/dist/internal/tasks.js') : url
}
