import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { baseImportName, chooseImportName } from '../../src/add/import-name.js'
import { parseOptionArgs, parseOptionValue } from '../../src/add/option-args.js'
import { detectTextStyle, quoteString, toSourceText } from '../../src/add/text-style.js'

describe('import names', () => {
  it.each([
    ['@mlops/notify-webhook', 'notifyWebhook'],
    ['@acme/mlops-plugin.slack', 'mlopsPluginSlack'],
    ['notify_email', 'notifyEmail'],
    ['3d-tools', '_3dTools'],
    ['@scope/pkg/sub', 'sub'],
    ['@x/---', 'plugin'],
  ])('%s → %s', (pkg, name) => {
    expect(baseImportName(pkg)).toBe(name)
  })

  it('avoids names taken in the file and reserved words', () => {
    expect(chooseImportName('@mlops/notify-webhook', new Set(['defineConfig']))).toBe('notifyWebhook')
    expect(chooseImportName('@mlops/notify-webhook', new Set(['notifyWebhook']))).toBe('notifyWebhookPlugin')
    expect(chooseImportName('@mlops/notify-webhook', new Set(['notifyWebhook', 'notifyWebhookPlugin', 'notifyWebhook2']))).toBe('notifyWebhook3')
    expect(chooseImportName('@acme/class', new Set())).toBe('classPlugin')
  })
})

describe('--option values', () => {
  it.each([
    ['5', 5],
    ['-0.25', -0.25],
    ['1e3', 1000],
    ['true', true],
    ['false', false],
    ['null', null],
    ['"5"', '5'],
    ["'true'", 'true'],
    ['12345678901234567890', '12345678901234567890'],
    ['0123', '0123'],
    ['#alerts', '#alerts'],
    ['https://a.test/x?y=1', 'https://a.test/x?y=1'],
    ['["a","b"]', ['a', 'b']],
    ['{"k":1}', { k: 1 }],
    ['[not json', '[not json'],
    ['', ''],
  ])('%j → %j', (text, value) => {
    expect(parseOptionValue(text)).toEqual(value)
  })

  it('nests dotted keys and keeps each raw text by path', () => {
    const parsed = parseOptionArgs(['url=https://a.test', 'tls.ca=/x.pem', 'tls.rejectUnauthorized=false', 'retries=3'])
    expect(parsed.value).toEqual({ url: 'https://a.test', tls: { ca: '/x.pem', rejectUnauthorized: false }, retries: 3 })
    expect([...parsed.raw.keys()]).toEqual(['url', 'tls.ca', 'tls.rejectUnauthorized', 'retries'])
    expect(parseOptionArgs(['a=b=c']).value).toEqual({ a: 'b=c' })
  })
})

describe('text style', () => {
  it('detects line endings, quotes, indentation and trailing commas', () => {
    const style = detectTextStyle('const a = "x"\r\nconst b = [\r\n    1,\r\n]\r\n')
    expect(style).toMatchObject({ eol: '\r\n', quote: '"', indentUnit: '    ', trailingCommas: true })
    expect(detectTextStyle('x({\n\ta: 1\n})\n')).toMatchObject({ eol: '\n', indentUnit: '\t', trailingCommas: false })
    expect(detectTextStyle('/**\n * doc\n */\nconst a = {\n  b: 1,\n}\n').indentUnit).toBe('  ')
  })

  it('writes values as source in the file quote style', () => {
    expect(quoteString("it's \"x\"\n", "'")).toBe("'it\\'s \"x\"\\n'")
    expect(quoteString("it's", '"')).toBe('"it\'s"')
    expect(toSourceText({ url: 'u', 'x-key': 1, nested: { on: true, list: ['a'] } }, "'")).toBe("{ url: 'u', 'x-key': 1, nested: { on: true, list: ['a'] } }")
  })
})

describe('startup cost', () => {
  it('only mlops add loads ts-morph, and only on demand', () => {
    const src = fileURLToPath(new URL('../../src/', import.meta.url))
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
    const loaders: string[] = []
    for (const file of files) {
      const text = readFileSync(join(src, file), 'utf8')
      // A value import would load ts-morph with the module: only `import type` is allowed.
      expect(text, file).not.toMatch(/^import\s+(?!type\b)[^;\n]*from\s+'ts-morph'/m)
      expect(text, file).not.toMatch(/^export\s+[^;\n]*from\s+'ts-morph'/m)
      if (/import\('ts-morph'\)/.test(text)) loaders.push(file.replace(/\\/g, '/'))
    }
    expect(loaders).toEqual(['commands/add.ts'])
    expect(readFileSync(join(src, 'commands/index.ts'), 'utf8')).toContain("add: () => import('./add.js'),")
  })
})
