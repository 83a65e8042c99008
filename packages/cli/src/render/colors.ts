const wrap = (open: number, close: number) => (enabled: boolean) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text)
const red = wrap(31, 39)
const green = wrap(32, 39)
const yellow = wrap(33, 39)
const cyan = wrap(36, 39)
const dim = wrap(2, 22)
const bold = wrap(1, 22)

/** No colour on a non-TTY or with NO_COLOR (picocolors' rule), decided once per command. */
export function colors(enabled: boolean) {
  return { red: red(enabled), green: green(enabled), yellow: yellow(enabled), cyan: cyan(enabled), dim: dim(enabled), bold: bold(enabled) }
}
