import { resolve } from 'node:path'
import { appendLabels, errors, mlopsError, Registry } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule } from '../command.js'
import { openProject } from '../context.js'

const usage = `Usage: mlops labels import MODEL --file PATH [--id-column request_id] [--label-column label] [--json]

Records ground truth that arrived after the predictions: each row's label is joined to the logged
prediction with the same request id (the X-Request-Id of the request, or the id the server returned),
so monitors can compute accuracy, F1, AUC, MAE or RMSE. PATH is a CSV, JSON Lines or Parquet file.`

const command: CommandModule = {
  summary: 'Import labels that arrived later, joined to predictions by request id',
  usage,
  async run(argv, io, globals) {
    const parsed = parseCommandArgs('labels', { args: argv, options: { file: { type: 'string' }, 'id-column': { type: 'string' }, 'label-column': { type: 'string' } } })
    const [sub, model, ...extra] = parsed.positionals
    if (sub !== 'import') throw usageError('labels', sub ? `unknown subcommand "${sub}" (use import)` : 'a subcommand is needed (import)')
    if (!model || extra.length) throw usageError('labels', 'import needs one MODEL')
    if (!parsed.values.file) throw usageError('labels', 'import needs --file PATH')
    const idColumn = parsed.values['id-column'] ?? 'request_id'
    const labelColumn = parsed.values['label-column'] ?? 'label'
    const { loadTable } = await import('@mlops/drift')
    const project = await openProject(io, globals, 'labels')
    try {
      await new Registry(project.metadata).resolve({ name: model })
      const path = resolve(io.cwd, parsed.values.file)
      const table = await loadTable(path, { textColumns: [idColumn] })
      const ids = table.columns.find((c) => c.name === idColumn)
      const values = table.columns.find((c) => c.name === labelColumn)
      const names = table.columns.map((c) => c.name).join(', ')
      if (!ids) throw mlopsError(errors.InputInvalid, [path, `has no id column "${idColumn}" (columns: ${names}); pass --id-column`])
      if (!values) throw mlopsError(errors.InputInvalid, [path, `has no label column "${labelColumn}" (columns: ${names}); pass --label-column`])
      const labels: { requestId: string; label: unknown }[] = []
      for (let i = 0; i < table.rowCount; i++) {
        const id = ids.kind === 'categorical' ? (ids.codes[i]! >= 0 ? ids.labels[ids.codes[i]!] : undefined) : Number.isNaN(ids.values[i]!) ? undefined : String(ids.values[i])
        const label = values.kind === 'categorical' ? (values.codes[i]! >= 0 ? values.labels[values.codes[i]!] : undefined) : Number.isNaN(values.values[i]!) ? undefined : values.values[i]
        if (id === undefined || label === undefined) continue
        labels.push({ requestId: id, label })
      }
      if (labels.length === 0) throw mlopsError(errors.InputInvalid, [path, `has no row with both ${idColumn} and ${labelColumn}`])
      const stored = await appendLabels({ metadata: project.metadata, storage: project.storage, model, labels })
      return { exitCode: 0, data: { model, ...stored, skipped: table.rowCount - labels.length }, human: `imported ${labels.length} labels for ${model} (${table.rowCount - labels.length} rows without id or label skipped)` }
    } finally {
      await project.close()
    }
  },
}

export default command
