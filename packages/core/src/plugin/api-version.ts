// Widen only with a changeset explaining the migration (CONVENTIONS.md §9).
export const PLUGIN_API_VERSION = 1
export const SUPPORTED_PLUGIN_API_VERSIONS: readonly number[] = [1]
