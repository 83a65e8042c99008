import { errors, formatModelRef, mlopsError, parseModelRef, Registry, resolveActor, type AuditEntry, type ModelHead, type ModelVersion } from '@mlops/core'
import { parseCommandArgs, usageError } from '../args.js'
import type { CommandModule, CommandResult } from '../command.js'
import { openProject, type Project } from '../context.js'
import { notifyNow } from '../notify.js'
import { renderTable, shortId } from '../render/table.js'
import { formatNumber } from './run.js'

const usage = `Usage: mlops models ls [--json]
       mlops models show NAME[@ALIAS|:VERSION] [--json]
       mlops models promote NAME:VERSION --alias ALIAS --reason TEXT [--actor WHO]
       mlops models rollback NAME [--alias champion] --reason TEXT [--actor WHO]
       mlops models diff A B [--json]            (A, B: NAME:VERSION or NAME@ALIAS)
       mlops models tag NAME:VERSION key=value... [--actor WHO]
       mlops models delete NAME:VERSION --reason TEXT [--actor WHO]

The model registry: versions with their lineage (run, data hashes, params, metrics, code version),
aliases (champion, challenger, …) and the audit log of every promotion, rollback, rejection and
deletion (who: --actor, else MLOPS_ACTOR, else the OS user; why: --reason).
A change that races another one fails with exit 1 and stores nothing; repeat it after a look.`

export function aliasesOf(head: ModelHead, version: string): string[] {
  return Object.entries(head.aliases)
    .filter(([, h]) => h.at(-1) === version)
    .map(([a]) => a)
}

function renderVersion(head: ModelHead, v: ModelVersion): string {
  const aliases = aliasesOf(head, v.version)
  const lines = [
    `model     ${v.name}:${v.version}${aliases.length ? `  (${aliases.map((a) => `@${a}`).join(' ')})` : ''}`,
    `status    ${v.status}`,
    `artifact  ${v.artifactHash} (${v.artifactKind})`,
    `run       ${v.runId} (pipeline ${v.pipeline}, output ${v.output})`,
    `code      ${v.codeVersion.slice(0, 12)}`,
    `created   ${v.createdAt} by ${v.createdBy}`,
  ]
  const data = Object.entries(v.dataHashes)
  if (data.length) lines.push(`data      ${data.map(([k, h]) => `${k}=${h.slice(0, 12)}`).join(' ')}`)
  if (v.evaluation) lines.push(`eval      ${v.evaluation.output}=${v.evaluation.hash.slice(0, 12)}`)
  lines.push(`inputs    ${v.signature.inputs.map((c) => `${c.name}:${c.values ? c.values.join('|') : c.type}${c.optional ? '?' : ''}`).join(', ')}`)
  const metrics = Object.entries(v.metrics)
  if (metrics.length) lines.push(`metrics   ${metrics.map(([k, x]) => `${k}=${formatNumber(x)}`).join(' ')}`)
  if (Object.keys(v.tags).length) lines.push(`tags      ${Object.entries(v.tags).map(([k, x]) => `${k}=${x}`).join(' ')}`)
  if (v.gate) {
    lines.push(`gates     ${v.gate.passed ? (v.gate.awaitingApproval ? 'passed, awaiting approval' : 'passed') : 'FAILED'}${v.gate.comparedWith ? ` (compared with version ${v.gate.comparedWith})` : ''}`)
    for (const c of v.gate.checks) lines.push(`  ${c.passed ? '✓' : '✗'} ${c.name}: ${c.detail}`)
  }
  return lines.join('\n')
}

export function renderAudit(entries: AuditEntry[]): string {
  return renderTable(
    ['WHEN', 'ACTION', 'VERSION', 'ALIAS', 'FROM → TO', 'WHO', 'WHY'],
    entries.map((e) => [
      e.at.replace('T', ' ').slice(0, 19),
      e.action,
      e.version ?? '',
      e.alias ?? '',
      e.from || e.to ? `${e.from ?? '–'} → ${e.to ?? '–'}` : '',
      e.actor,
      e.reason ?? '',
    ]),
  )
}

function versionRef(text: string | undefined, what: string): { name: string; version: string } {
  if (!text) throw usageError('models', `${what} needs NAME:VERSION`)
  const ref = parseModelRef(text)
  if (ref.version === undefined) throw usageError('models', `${what} needs an explicit version: NAME:VERSION (got ${text})`)
  return { name: ref.name, version: ref.version }
}

const command: CommandModule = {
  summary: 'The model registry: ls, show, promote, rollback, diff, tag, delete',
  usage,
  async run(argv, io, globals): Promise<CommandResult> {
    const parsed = parseCommandArgs('models', {
      args: argv,
      options: { alias: { type: 'string' }, reason: { type: 'string' }, actor: { type: 'string' } },
    })
    const [sub, ...rest] = parsed.positionals
    const known = ['ls', 'show', 'promote', 'rollback', 'diff', 'tag', 'delete']
    if (!sub || !known.includes(sub)) throw usageError('models', sub ? `unknown subcommand "${sub}" (use ${known.join(', ')})` : `a subcommand is needed (${known.join(', ')})`)
    const needReason = () => {
      if (!parsed.values.reason) throw usageError('models', `${sub} needs --reason "why" (it goes into the audit log)`)
      return parsed.values.reason
    }
    if (sub === 'promote' || sub === 'rollback' || sub === 'delete') needReason()
    const who = () => ({ actor: resolveActor(parsed.values.actor, io.env), ...(parsed.values.reason ? { reason: parsed.values.reason } : {}) })
    const project = await openProject(io, globals, 'models')
    try {
      const result = await runSub(sub, rest, parsed.values.alias, project, who)
      // A promotion, rollback, tag or deletion appended an event: tell the team now, not at the next daemon tick.
      if (sub !== 'ls' && sub !== 'show' && sub !== 'diff') await notifyNow(project, io.signal)
      return result
    } finally {
      await project.close()
    }
  },
}

async function runSub(
  sub: string,
  rest: string[],
  aliasOption: string | undefined,
  project: Project,
  who: () => { actor: string; reason?: string },
): Promise<CommandResult> {
  const registry = new Registry(project.metadata)

  switch (sub) {
    case 'ls': {
      const heads = await registry.listModels()
      const rows = []
      for (const h of heads) {
        const versions = await registry.listVersions(h.name)
        rows.push({ ...h, versions: versions.length, latest: versions.at(-1) ?? null })
      }
      const human = rows.length
        ? renderTable(
            ['MODEL', 'VERSIONS', 'ALIASES', 'LATEST', 'LATEST STATUS'],
            rows.map((r) => [
              r.name,
              String(r.versions),
              Object.entries(r.aliases)
                .filter(([, h]) => h.length)
                .map(([a, h]) => `@${a}=${h.at(-1)}`)
                .join(' '),
              r.latest ? `${r.latest.version} (${r.latest.createdAt.replace('T', ' ').slice(0, 16)})` : '',
              r.latest?.status ?? '',
            ]),
          )
        : 'No registered models yet: declare `models` in mlops.config.ts and run their source pipeline.'
      return { exitCode: 0, data: rows, human }
    }
    case 'show': {
      if (!rest[0]) throw usageError('models', 'show needs NAME[@ALIAS|:VERSION]')
      const ref = parseModelRef(rest[0])
      if (ref.alias !== undefined || ref.version !== undefined) {
        const { head, version } = await registry.resolve(ref)
        const audit = (await registry.audit(ref.name)).filter((e) => e.version === version.version)
        return { exitCode: 0, data: { model: head, version, audit }, human: `${renderVersion(head, version)}\n\naudit\n${renderAudit(audit)}` }
      }
      const { head } = await registry.resolve({ name: ref.name, ...(await latestRef(registry, ref.name)) })
      const versions = await registry.listVersions(ref.name)
      const audit = await registry.audit(ref.name)
      const human = [
        `model     ${head.name}${head.description ? ` — ${head.description}` : ''}`,
        `task      ${head.task}`,
        `aliases   ${Object.entries(head.aliases).filter(([, h]) => h.length).map(([a, h]) => `@${a}=${h.at(-1)} (history ${h.join(' → ')})`).join('; ') || 'none'}`,
        '',
        'versions',
        renderTable(
          ['VERSION', 'STATUS', 'ALIASES', 'RUN', 'CREATED', 'METRICS'],
          versions.map((v) => [
            v.version,
            v.status,
            aliasesOf(head, v.version).map((a) => `@${a}`).join(' '),
            shortId(v.runId),
            v.createdAt.replace('T', ' ').slice(0, 19),
            Object.entries(v.gate?.metrics.candidate ?? {})
              .map(([k, x]) => `${k}=${formatNumber(x)}`)
              .join(' '),
          ]),
        ),
        '',
        'audit',
        renderAudit(audit),
      ].join('\n')
      return { exitCode: 0, data: { model: head, versions, audit }, human }
    }
    case 'promote': {
      const { name, version } = versionRef(rest[0], 'promote')
      const alias = aliasOption
      if (!alias) throw usageError('models', 'promote needs --alias ALIAS (e.g. --alias champion)')
      const before = (await registry.resolve({ name, version })).head.aliases[alias]?.at(-1) ?? null
      const head = await registry.promote(name, version, alias, who(), { expectHolder: before })
      return {
        exitCode: 0,
        data: { model: head, alias, from: before, to: version },
        human: before === version ? `${name}@${alias} already points at version ${version}` : `${name}@${alias}: ${before ?? 'none'} → ${version}`,
      }
    }
    case 'rollback': {
      const name = rest[0]
      if (!name) throw usageError('models', 'rollback needs NAME')
      const alias = aliasOption ?? 'champion'
      const { head, from, to } = await registry.rollback(parseModelRef(name).name, alias, who())
      return { exitCode: 0, data: { model: head, alias, from, to }, human: `${head.name}@${alias} rolled back: ${from} → ${to}` }
    }
    case 'diff': {
      if (rest.length !== 2) throw usageError('models', 'diff needs two references: A B')
      const [a, b] = await Promise.all(rest.map((r) => registry.resolve(r)))
      const va = a!.version
      const vb = b!.version
      const rows: { kind: string; key: string; a: string; b: string }[] = []
      const flatParams = (v: ModelVersion) =>
        Object.fromEntries(Object.entries(v.params).flatMap(([step, p]) => Object.entries(p).map(([k, x]) => [`${step}.${k}`, JSON.stringify(x)])))
      const add = (kind: string, x: Record<string, string>, y: Record<string, string>) => {
        for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) rows.push({ kind, key, a: x[key] ?? '–', b: y[key] ?? '–' })
      }
      add('param', flatParams(va), flatParams(vb))
      const num = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, x]) => [k, formatNumber(x)]))
      add('metric', num(va.metrics), num(vb.metrics))
      add('gate metric', num(va.gate?.metrics.candidate ?? {}), num(vb.gate?.metrics.candidate ?? {}))
      add('data', Object.fromEntries(Object.entries(va.dataHashes).map(([k, h]) => [k, h.slice(0, 12)])), Object.fromEntries(Object.entries(vb.dataHashes).map(([k, h]) => [k, h.slice(0, 12)])))
      add('code', { version: va.codeVersion.slice(0, 12) }, { version: vb.codeVersion.slice(0, 12) })
      const ra = formatModelRef({ name: va.name, version: va.version })
      const rb = formatModelRef({ name: vb.name, version: vb.version })
      const human = renderTable(
        ['', 'KEY', ra, rb, ''],
        rows.map((r) => [r.kind, r.key, r.a, r.b, r.a === r.b ? '' : '≠']),
      )
      return { exitCode: 0, data: { a: va, b: vb, rows }, human }
    }
    case 'tag': {
      const { name, version } = versionRef(rest[0], 'tag')
      const pairs = rest.slice(1)
      if (!pairs.length) throw usageError('models', 'tag needs key=value pairs')
      const tags: Record<string, string> = {}
      for (const p of pairs) {
        const eq = p.indexOf('=')
        if (eq <= 0) throw usageError('models', `"${p}" is not key=value`)
        tags[p.slice(0, eq)] = p.slice(eq + 1)
      }
      const v = await registry.setTags(name, version, tags, who())
      return { exitCode: 0, data: v, human: `${name}:${version} tags: ${Object.entries(v.tags).map(([k, x]) => `${k}=${x}`).join(' ')}` }
    }
    case 'delete': {
      const { name, version } = versionRef(rest[0], 'delete')
      await registry.deleteVersion(name, version, who())
      return { exitCode: 0, data: { name, version, deleted: true }, human: `deleted ${name}:${version}` }
    }
  }
  throw mlopsError(errors.UsageInvalid, [usage])
}

async function latestRef(registry: Registry, name: string): Promise<{ version?: string }> {
  const head = await registry.getModel(name)
  return head && head.latestVersion > 0 ? { version: String(head.latestVersion) } : {}
}

export default command
