/** A problem the user can fix (bad name, kind or folder): exit 2, nothing written. */
export class ScaffoldError extends Error {
  readonly exit: 2 = 2
  readonly hint: string

  constructor(message: string, hint: string) {
    super(message)
    this.name = 'ScaffoldError'
    this.hint = hint
  }
}
