// Words that cannot name an import binding in an ES module (reserved, strict-mode reserved, or confusing).
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with implements interface let ' +
    'package private protected public static yield await arguments eval undefined NaN Infinity'
  ).split(' '),
)

/** `@mlops/notify-webhook` → `notifyWebhook`, `my_plugin.js` → `myPluginJs`, `3d-tools` → `_3dTools`. */
export function baseImportName(packageName: string): string {
  const last = packageName.replace(/^@[^/]+\//, '').split('/').pop() ?? packageName
  const words = last.split(/[^A-Za-z0-9_$]+|_+/).filter((w) => w !== '')
  let name = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('')
  if (name === '') name = 'plugin'
  if (/^[0-9]/.test(name)) name = `_${name}`
  return name
}

/** A name for the default import that clashes with no identifier in the file: `notifyWebhook`, else `notifyWebhookPlugin`, `notifyWebhook2`, … */
export function chooseImportName(packageName: string, taken: ReadonlySet<string>): string {
  const base = baseImportName(packageName)
  const free = (name: string) => !taken.has(name) && !RESERVED.has(name)
  if (free(base)) return base
  if (free(`${base}Plugin`)) return `${base}Plugin`
  for (let n = 2; ; n++) if (free(`${base}${n}`)) return `${base}${n}`
}
