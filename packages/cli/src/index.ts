export { main, processIo } from './main.js'
export type { CommandIo, CommandModule, CommandResult, GlobalOptions, TextSink } from './command.js'
