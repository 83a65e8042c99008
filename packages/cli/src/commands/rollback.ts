import type { CommandModule } from '../command.js'
import models from './models.js'

/** `mlops rollback NAME` is `mlops models rollback NAME`: one command to put the previous champion back. */
const command: CommandModule = {
  summary: 'Put the previous holder of an alias back: mlops rollback NAME [--alias champion] --reason TEXT',
  usage: `Usage: mlops rollback NAME [--alias champion] --reason TEXT [--actor WHO] [--json]

Moves the alias (default champion) back to the version that held it before. Servers following the
alias switch without a restart. Recorded in the audit log.`,
  run: (argv, io, globals) => models.run(['rollback', ...argv], io, globals),
}

export default command
