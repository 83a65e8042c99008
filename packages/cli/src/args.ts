import { parseArgs, type ParseArgsConfig } from 'node:util'
import { errors, mlopsError, type MlopsError } from '@mlops/core'

/** A usage error for one command, pointing at its help. */
export function usageError(command: string, reason: string): MlopsError {
  return mlopsError(errors.UsageInvalid, [`mlops ${command}: ${reason}. Run \`mlops ${command} --help\` for the options.`])
}

/** `node:util` parseArgs (strict; positionals allowed unless said) whose errors become exit-2 usage errors naming the command. */
type Strict<T extends ParseArgsConfig> = Omit<T, 'allowPositionals' | 'strict'> & {
  allowPositionals: T['allowPositionals'] extends false ? false : true
  strict: true
}

export function parseCommandArgs<const T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<Strict<T>>> {
  try {
    return parseArgs({ allowPositionals: true, ...config, strict: true } as unknown as Strict<T>)
  } catch (error) {
    throw usageError(command, (error as Error).message.replace(/\.$/, ''))
  }
}
