// Event summaries are shared by every notifier: they live in core.
export { keyFacts, summarizeEvent } from '@mlops/core'
