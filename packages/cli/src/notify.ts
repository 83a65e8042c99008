import { dispatchNotifications, type Notifier } from '@mlops/core'
import type { Project } from './context.js'

export function notifiersOf(project: Project): Notifier[] {
  return project.provides.map((p) => p.notifier).filter((n): n is Notifier => n !== undefined)
}

/**
 * After a command that appended events (a promotion, a rejection, a rollback): moves them into the
 * outbox and delivers what is due, so the team hears of it without a daemon. A delivery failure is
 * only a warning here: the message stays in the outbox and is retried by the next pass.
 */
export async function notifyNow(project: Project, signal?: AbortSignal): Promise<void> {
  const notifiers = notifiersOf(project)
  if (notifiers.length === 0) return
  try {
    const report = await dispatchNotifications({ metadata: project.metadata, notifiers, config: project.config.notifications, logger: project.logger, ...(signal ? { signal } : {}) })
    for (const e of report.errors) project.logger.warn(`notification ${e.eventId} via ${e.channel} not delivered yet (kept in the outbox): ${e.error}`)
  } catch (error) {
    project.logger.warn(`notifications not sent: ${error instanceof Error ? error.message : String(error)}`)
  }
}
