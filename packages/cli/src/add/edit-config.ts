import { errors, mlopsError } from '@mlops/core'
import type * as TsMorph from 'ts-morph'
import type { Node, ObjectLiteralExpression, ArrayLiteralExpression, SourceFile, Expression } from 'ts-morph'
import { chooseImportName } from './import-name.js'
import { detectTextStyle, indentOfLineAt, lineOf, lineStartOf, type TextStyle } from './text-style.js'

type Morph = typeof TsMorph

export interface AddPluginEdit {
  /** The config's text after the edit. */
  text: string
  /** The name the plugin's default export is imported as. */
  importName: string
  /** 1-based line of the new `plugins` entry in the edited text. */
  line: number
  /** Index of the new entry in the plugins array. */
  index: number
}

export interface AddPluginRequest {
  packageName: string
  /** Renders the call to put in `plugins`, e.g. `(name, style) => \`${name}({ url: 'x' })\``. */
  renderCall: (importName: string, style: TextStyle) => string
  /** Name shown in refusals, e.g. `mlops.config.ts`. */
  displayName: string
}

interface TextEdit {
  pos: number
  text: string
  /** The edit that inserts the plugins entry (its line is reported). */
  isEntry?: boolean
}

/**
 * Adds `import x from 'pkg'` after the last import and `x({...})` to the `plugins` array of the config
 * object (creating `plugins: [...]` if missing) with minimal text insertions: the rest of the file,
 * comments and formatting included, is kept byte for byte. Refuses (AddConfigUnsupported, nothing
 * changed) when the file does not show where the plugins array is.
 */
export function addPluginToConfig(morph: Morph, sourceText: string, fileName: string, request: AddPluginRequest): AddPluginEdit {
  const refuse = (reason: string, at?: Node | number): never => {
    const line = typeof at === 'number' ? at : at?.getStartLineNumber()
    throw mlopsError(errors.AddConfigUnsupported, [line === undefined ? request.displayName : `${request.displayName}:${line}`, reason])
  }
  const sf = parse(morph, sourceText, fileName)
  const syntaxProblem = firstSyntaxError(sf)
  if (syntaxProblem) refuse(`it does not parse (${syntaxProblem.message}); fix the syntax first`, syntaxProblem.line)
  const { SyntaxKind } = morph

  const existing = findPackageReference(morph, sf, request.packageName)
  if (existing) throw mlopsError(errors.AddPluginAlreadyAdded, [`${request.displayName}:${existing.getStartLineNumber()}`, request.packageName])

  const imports = sf.getImportDeclarations()
  const lastImport = imports[imports.length - 1]
  const style = detectTextStyle(sourceText, {
    ...(lastImport ? { quote: lastImport.getModuleSpecifier().getText().startsWith('"') ? '"' : "'" } : {}),
    semicolons: lastImport ? lastImport.getText().trimEnd().endsWith(';') : /;\s*(\r?\n|$)/.test(sourceText),
  })

  const configObject = findConfigObject(morph, sf, refuse)
  const taken = new Set(sf.getDescendantsOfKind(SyntaxKind.Identifier).map((id) => id.getText()))
  const importName = chooseImportName(request.packageName, taken)
  const call = request.renderCall(importName, style)

  const edits: TextEdit[] = []
  let index: number
  const pluginsTarget = findPluginsArray(morph, configObject, refuse)
  if (pluginsTarget) {
    index = pluginsTarget.getElements().length
    insertIntoList(sourceText, pluginsTarget, pluginsTarget.getElements(), pluginsTarget.compilerNode.elements.hasTrailingComma, call, style, false, edits)
  } else {
    index = 0
    const props = configObject.getProperties()
    insertIntoList(sourceText, configObject, props, configObject.compilerNode.properties.hasTrailingComma, `plugins: [${call}]`, style, true, edits)
  }

  const importLine = `import ${importName} from ${quote(request.packageName, style)}${style.semicolons ? ';' : ''}`
  if (lastImport) {
    const newline = sourceText.indexOf('\n', lastImport.getEnd())
    if (newline === -1) edits.push({ pos: sourceText.length, text: `${style.eol}${importLine}` })
    else edits.push({ pos: newline + 1, text: `${importLine}${style.eol}` })
  } else {
    const first = sf.getStatements()[0]
    const pos = first ? lineStartOf(sourceText, first.getStart()) : 0
    // No imports yet: the import and a blank line go before the first statement.
    edits.push({ pos, text: `${importLine}${style.eol}${style.eol}` })
  }

  const { text, entryAt } = applyEdits(sourceText, edits)
  const line = lineOf(text, entryAt + (edits.find((e) => e.isEntry)!.text.length - edits.find((e) => e.isEntry)!.text.trimStart().length))
  // A bug guard: never hand back text that no longer parses.
  const problem = firstSyntaxError(parse(morph, text, fileName))
  if (problem) throw new Error(`mlops add produced an edit that does not parse (line ${problem.line}: ${problem.message}); please report this with your mlops.config.ts`)
  return { text, importName, line, index }
}

function parse(morph: Morph, text: string, fileName: string): SourceFile {
  const project = new morph.Project({
    useInMemoryFileSystem: true,
    skipFileDependencyResolution: true,
    skipAddingFilesFromTsConfig: true,
    compilerOptions: { noLib: true, allowJs: true, types: [] },
  })
  return project.createSourceFile(`/${fileName.replace(/^.*[\\/]/, '')}`, text, { overwrite: true })
}

function firstSyntaxError(sf: SourceFile): { message: string; line: number | undefined } | undefined {
  const diagnostics = sf.getProject().getProgram().getSyntacticDiagnostics(sf)
  const first = diagnostics[0]
  if (!first) return undefined
  const message = first.getMessageText()
  return { message: (typeof message === 'string' ? message : message.getMessageText()).replace(/\.$/, ''), line: first.getLineNumber() }
}

function quote(value: string, style: TextStyle): string {
  return style.quote === '"' ? JSON.stringify(value) : `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`
}

/** An import, re-export, `import()` or `require()` of the package (or a subpath of it). */
function findPackageReference(morph: Morph, sf: SourceFile, packageName: string): Node | undefined {
  const { SyntaxKind, Node: N } = morph
  const matches = (text: string) => text === packageName || text.startsWith(`${packageName}/`)
  for (const decl of sf.getImportDeclarations()) if (matches(decl.getModuleSpecifierValue())) return decl
  for (const decl of sf.getExportDeclarations()) {
    const spec = decl.getModuleSpecifierValue()
    if (spec !== undefined && matches(spec)) return decl
  }
  for (const call of sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression()
    const isLoader = callee.getKind() === SyntaxKind.ImportKeyword || (N.isIdentifier(callee) && callee.getText() === 'require')
    const arg = call.getArguments()[0]
    if (isLoader && arg && N.isStringLiteral(arg) && matches(arg.getLiteralValue())) return call
  }
  return undefined
}

/** Strips `( … )`, `… as T`, `… satisfies T`, `<T>…` and `…!`. */
function unwrap(morph: Morph, expr: Expression): Expression {
  const { Node: N } = morph
  let current = expr
  for (;;) {
    if (N.isParenthesizedExpression(current) || N.isAsExpression(current) || N.isSatisfiesExpression(current) || N.isTypeAssertion(current) || N.isNonNullExpression(current)) {
      current = current.getExpression()
    } else return current
  }
}

/** The object literal the config is written as, following the default export through defineConfig, consts and config functions. */
function findConfigObject(morph: Morph, sf: SourceFile, refuse: (reason: string, at?: Node) => never): ObjectLiteralExpression {
  const { Node: N, SyntaxKind } = morph
  const defineConfigNames = new Set(['defineConfig'])
  for (const decl of sf.getImportDeclarations()) {
    for (const named of decl.getNamedImports()) {
      if (named.getName() === 'defineConfig') defineConfigNames.add(named.getAliasNode()?.getText() ?? 'defineConfig')
    }
  }

  const fromExpression = (input: Expression, depth: number): ObjectLiteralExpression => {
    if (depth > 8) refuse('the config goes through too many names to follow', input)
    const expr = unwrap(morph, input)
    if (N.isObjectLiteralExpression(expr)) return expr
    if (N.isCallExpression(expr)) {
      const callee = unwrap(morph, expr.getExpression())
      const calleeName = N.isIdentifier(callee) ? callee.getText() : N.isPropertyAccessExpression(callee) ? callee.getName() : undefined
      if (calleeName !== undefined && defineConfigNames.has(calleeName)) {
        const arg = expr.getArguments()[0]
        if (!arg) refuse('defineConfig() is called without a config', expr)
        return fromExpression(arg as Expression, depth + 1)
      }
      return refuse(`the config is the result of ${callee.getText()}(...), built when the file runs, not written out in the file`, expr)
    }
    if (N.isArrowFunction(expr) || N.isFunctionExpression(expr)) return fromFunction(expr, depth)
    if (N.isIdentifier(expr)) return fromName(expr.getText(), expr, depth)
    return refuse(`the config is built by an expression (${abbreviate(expr.getText())}), not written out as an object literal`, expr)
  }

  const fromFunction = (fn: TsMorph.ArrowFunction | TsMorph.FunctionExpression | TsMorph.FunctionDeclaration, depth: number): ObjectLiteralExpression => {
    const body = fn.getBody()
    if (!body) return refuse('the config function has no body', fn)
    if (!N.isBlock(body)) return fromExpression(body as Expression, depth + 1)
    const returns: TsMorph.ReturnStatement[] = []
    body.forEachDescendant((node, traversal) => {
      if (N.isFunctionLikeDeclaration(node) || N.isClassDeclaration(node) || N.isClassExpression(node)) traversal.skip()
      else if (N.isReturnStatement(node)) returns.push(node)
    })
    if (returns.length !== 1) {
      return refuse(`the config function has ${returns.length === 0 ? 'no return statement' : `${returns.length} return statements`}; mlops add needs exactly one \`return { ... }\``, fn)
    }
    const value = returns[0]!.getExpression()
    if (!value) return refuse('the config function returns nothing', returns[0])
    return fromExpression(value, depth + 1)
  }

  const fromName = (name: string, at: Node, depth: number): ObjectLiteralExpression => {
    const fn = sf.getFunction(name)
    if (fn) return fromFunction(fn, depth + 1)
    const decl = sf.getVariableDeclaration(name)
    if (!decl) return refuse(`the config comes from "${name}", which is not declared in this file`, at)
    const statement = decl.getVariableStatement()
    if (!statement || statement.getDeclarationKind() !== morph.VariableDeclarationKind.Const) {
      return refuse(`the config is held in "${name}", which is not a const (it may be reassigned)`, decl)
    }
    const init = decl.getInitializer()
    if (!init) return refuse(`"${name}" has no initial value`, decl)
    return fromExpression(init, depth + 1)
  }

  const assignment = sf.getExportAssignments().find((a) => !a.isExportEquals())
  if (assignment) return fromExpression(assignment.getExpression(), 0)
  const defaultFunction = sf.getFunctions().find((f) => f.isDefaultExport())
  if (defaultFunction) return fromFunction(defaultFunction, 0)
  for (const decl of sf.getExportDeclarations()) {
    if (decl.getModuleSpecifier()) continue
    for (const spec of decl.getNamedExports()) {
      if ((spec.getAliasNode()?.getText() ?? spec.getName()) === 'default') return fromName(spec.getName(), spec, 0)
    }
  }
  if (sf.getDescendantsOfKind(SyntaxKind.ExportAssignment).some((a) => a.isExportEquals())) {
    return refuse('it uses `export =`; an mlops config is `export default defineConfig({ ... })`')
  }
  return refuse('it has no `export default`; an mlops config is `export default defineConfig({ ... })`')
}

function propertyName(morph: Morph, prop: Node): string | undefined {
  const { Node: N } = morph
  if (N.isPropertyAssignment(prop) || N.isShorthandPropertyAssignment(prop) || N.isMethodDeclaration(prop) || N.isGetAccessorDeclaration(prop) || N.isSetAccessorDeclaration(prop)) {
    const nameNode = prop.getNameNode()
    if (N.isIdentifier(nameNode) || N.isPrivateIdentifier(nameNode)) return nameNode.getText()
    if (N.isStringLiteral(nameNode) || N.isNoSubstitutionTemplateLiteral(nameNode) || N.isNumericLiteral(nameNode)) return nameNode.getLiteralText()
    if (N.isComputedPropertyName(nameNode)) {
      const inner = unwrap(morph, nameNode.getExpression())
      if (N.isStringLiteral(inner) || N.isNoSubstitutionTemplateLiteral(inner)) return inner.getLiteralText()
      return undefined
    }
  }
  return undefined
}

/** The `plugins` array literal of the config object; undefined when there is no `plugins` property (it will be created). */
function findPluginsArray(morph: Morph, config: ObjectLiteralExpression, refuse: (reason: string, at?: Node) => never): ArrayLiteralExpression | undefined {
  const { Node: N } = morph
  const props = config.getProperties()
  const pluginProps = props.filter((p) => propertyName(morph, p) === 'plugins')
  const lastPlugins = pluginProps[pluginProps.length - 1]
  if (pluginProps.length > 1) refuse('the config object sets `plugins` more than once', pluginProps[1])
  // A spread after `plugins` (or anywhere, when there is no `plugins`) may set plugins itself.
  const lastPluginsIndex = lastPlugins ? props.indexOf(lastPlugins) : -1
  const spread = props.slice(lastPluginsIndex + 1).find((p) => N.isSpreadAssignment(p))
  if (spread) {
    refuse(
      `the config object spreads ${abbreviate(spread.getText())}${lastPlugins ? ' after `plugins`' : ''}, which may set its own plugins; a new entry could be overridden`,
      spread,
    )
  }
  const computed = props.find((p) => (N.isPropertyAssignment(p) || N.isMethodDeclaration(p)) && propertyName(morph, p) === undefined)
  if (!lastPlugins && computed) refuse('the config object has a computed property name that may be `plugins`', computed)
  if (!lastPlugins) return undefined

  let value: Expression | undefined
  if (N.isPropertyAssignment(lastPlugins)) value = lastPlugins.getInitializer()
  else if (N.isShorthandPropertyAssignment(lastPlugins)) value = lastPlugins.getNameNode()
  else return refuse('`plugins` is a method or accessor, not an array literal', lastPlugins)
  if (!value) return refuse('`plugins` has no value', lastPlugins)
  return arrayFrom(morph, value, lastPlugins, refuse, 0)
}

function arrayFrom(morph: Morph, input: Expression, at: Node, refuse: (reason: string, at?: Node) => never, depth: number): ArrayLiteralExpression {
  const { Node: N } = morph
  const expr = unwrap(morph, input)
  if (N.isArrayLiteralExpression(expr)) return expr
  if (N.isIdentifier(expr) && depth < 4) {
    const decl = expr.getSourceFile().getVariableDeclaration(expr.getText())
    const statement = decl?.getVariableStatement()
    const init = decl?.getInitializer()
    if (decl && init && statement && statement.getDeclarationKind() === morph.VariableDeclarationKind.Const && statement.getParent() === expr.getSourceFile()) {
      return arrayFrom(morph, init, decl, refuse, depth + 1)
    }
    return refuse(`\`plugins\` is "${expr.getText()}", which is not a const array literal declared at the top of this file`, at)
  }
  return refuse(`\`plugins\` is not an array literal (it is ${abbreviate(expr.getText())})`, at)
}

function abbreviate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ')
  return oneLine.length > 40 ? `${oneLine.slice(0, 37)}...` : oneLine
}

/**
 * Appends `item` to the comma-separated list between `container`'s brackets (an array's elements or an
 * object's properties), following the list's layout: one item per line (same indentation, trailing comma
 * kept) or all on one line. Returns the edit that inserts the item.
 */
function insertIntoList(text: string, container: Node, items: Node[], hasTrailingComma: boolean, item: string, style: TextStyle, isObject: boolean, edits: TextEdit[]): TextEdit {
  const open = container.getStart()
  const close = container.getEnd() - 1
  const inner = text.slice(open + 1, close)
  const closeAtLineStart = /^[ \t]*$/.test(text.slice(lineStartOf(text, close), close))
  const last = items[items.length - 1]

  if (inner.includes('\n') && closeAtLineStart) {
    // One item per line: a new line just above the closing bracket.
    const closeLineStart = lineStartOf(text, close)
    const lastOnOwnLine = last !== undefined && lineOf(text, last.getStart()) !== lineOf(text, open)
    const indent = lastOnOwnLine ? indentOfLineAt(text, last.getStart()) : indentOfLineAt(text, close) + style.indentUnit
    const comma = last ? hasTrailingComma : style.trailingCommas
    if (last && !hasTrailingComma) edits.push({ pos: last.getEnd(), text: ',' })
    const entry = { pos: closeLineStart, text: `${indent}${item}${comma ? ',' : ''}${style.eol}`, isEntry: true }
    edits.push(entry)
    return entry
  }
  if (last) {
    const entry = { pos: last.getEnd(), text: `, ${item}`, isEntry: true }
    edits.push(entry)
    return entry
  }
  if (/^\s*$/.test(inner)) {
    // `[]`, `{}`, `{ }`: the item goes inside, an object's with spaces around it.
    const entry = { pos: open + 1, text: isObject ? ` ${item}${inner === '' ? ' ' : ''}` : item, isEntry: true }
    edits.push(entry)
    return entry
  }
  // Only comments inside, on the closing bracket's line: the item goes before the bracket.
  const before = text.charAt(close - 1)
  const entry = { pos: close, text: `${/\s/.test(before) ? '' : ' '}${item}${isObject ? ' ' : ''}`, isEntry: true }
  edits.push(entry)
  return entry
}

/** Applies insertions (positions in the original text; equal positions keep their order) and says where the entry landed. */
function applyEdits(text: string, edits: TextEdit[]): { text: string; entryAt: number } {
  const ordered = edits.map((e, i) => ({ ...e, i })).sort((a, b) => a.pos - b.pos || a.i - b.i)
  let out = ''
  let from = 0
  let entryAt = -1
  for (const e of ordered) {
    out += text.slice(from, e.pos)
    if (e.isEntry) entryAt = out.length
    out += e.text
    from = e.pos
  }
  return { text: out + text.slice(from), entryAt }
}
