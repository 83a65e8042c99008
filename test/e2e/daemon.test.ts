// `mlops daemon` as a real child process on a temp copy of test/fixtures/trigger-project: a scheduled
// monitor, triggers, notifications to a real webhook receiver, and the project lease (a second daemon
// refuses, SIGTERM releases it, a SIGKILLed daemon's lease is taken over, a foreign lease expires).
import { createServer, type Server } from 'node:http'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MetadataStore } from '@mlops/core'
import { openSqliteMetadataStore } from '@mlops/metadata-sqlite'
import { DAEMON_STATE } from '@mlops/monitor'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, makeProject, startCli, waitFor } from './helpers.js'

interface Received {
  id: string
  type: string
  payload: Record<string, unknown>
}

/** A webhook receiver keeping each event once by id, as receivers are told to (delivery is at least once). */
function receiver() {
  const events = new Map<string, Received>()
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      const event = JSON.parse(body) as Received
      events.set(event.id, event)
      res.writeHead(204).end()
    })
  })
  return {
    events,
    of: (type: string) => [...events.values()].filter((e) => e.type === type),
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/mlops`)),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('mlops daemon', () => {
  let project: ReturnType<typeof makeProject>
  let hook: ReturnType<typeof receiver>
  let env: Record<string, string>
  let metadata: MetadataStore
  /** Starts `mlops daemon`; `stderr()` is what it logged so far. */
  const daemon = () => {
    const started = startCli(['daemon', '--tick-ms', '200'], project.dir, env)
    let stderr = ''
    started.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    return { ...started, stderr: () => stderr, running: () => started.child.exitCode === null && started.child.signalCode === null }
  }
  /** Waits until the daemon logged that it started (holds the lease), or fails with what it said. */
  const untilStarted = async (d: ReturnType<typeof daemon>) => {
    await waitFor(() => !d.running() || d.stderr().includes('daemon started'), 20_000)
    expect(d.running(), d.stderr()).toBe(true)
  }
  const lease = async () => (await metadata.getDocument(DAEMON_STATE, 'lease'))?.value as { pid: number; hostname: string } | null | undefined

  beforeAll(async () => {
    project = makeProject('trigger-project')
    // A documented synthetic shift for the monitored file: heavier penguins with longer bills.
    const [header, ...lines] = readFileSync(join(project.dir, 'data/penguins.csv'), 'utf8').trim().split('\n')
    const names = header!.split(',')
    const shifted = lines.map((line) => {
      const cells = line.split(',')
      const bump = (name: string, by: number) => {
        const i = names.indexOf(name)
        if (cells[i] !== '') cells[i] = String(Number(cells[i]) + by)
      }
      bump('body_mass_g', 1800)
      bump('bill_length_mm', 9)
      return cells.join(',')
    })
    writeFileSync(join(project.dir, 'data/current.csv'), `${[header, ...shifted].join('\n')}\n`)
    hook = receiver()
    env = {
      MLOPS_TEST_WEBHOOK_URL: await hook.listen(),
      MLOPS_TEST_TRIGGERS: 'drift,codeChange',
      MLOPS_TEST_MONITOR_SCHEDULE: '* * * * * *', // every second (croner's optional seconds field)
      MLOPS_ACTOR: 'daemon-test',
    }
    // The CLI creates the store; the test reads it beside the daemons (SQLite in WAL mode).
    const ls = await cli(['monitor', 'ls'], project.dir, env)
    expect(ls.code, ls.stderr).toBe(0)
    metadata = await openSqliteMetadataStore(join(project.dir, '.mlops', 'metadata.sqlite'))
  })
  afterAll(async () => {
    await metadata?.close()
    await hook?.close()
    project?.remove()
  })

  it('runs the scheduled monitor, retrains on drift, reloads an edited config, notifies the webhook; a second daemon refuses; SIGTERM stops it and frees the lease', async () => {
    const first = daemon()
    try {
      await waitFor(() => !first.running() || hook.of('model.promoted').length > 0, 30_000)
      expect(first.running(), first.stderr()).toBe(true)

      // The scheduled monitor found the shift, onDrift retrained, the gate promoted the first version,
      // and each of those reached the receiver.
      const drift = hook.of('drift.detected')
      expect(drift).toHaveLength(1)
      expect(drift[0]!.payload).toMatchObject({ monitor: 'penguins-file', model: null })
      const fired = hook.of('trigger.fired')
      expect(fired.map((e) => e.payload.trigger)).toEqual(['onDrift(penguins-file) → train'])
      expect(String(fired[0]!.payload.reason)).toMatch(/monitor penguins-file found drift/)
      expect(hook.of('model.promoted')[0]!.payload).toMatchObject({ model: 'penguins', version: '1' })
      expect(hook.of('data_quality.failed')).toHaveLength(1)
      expect((await lease())?.pid).toBe(first.child.pid)

      // One daemon per project.
      const second = await cli(['daemon', '--tick-ms', '200'], project.dir, env)
      expect(second.code).toBe(2)
      expect(second.stderr).toContain(`Another mlops daemon holds this project's lease (pid ${first.child.pid} on `)
      expect(second.stderr).toContain('MLOPS_DAEMON_RUNNING')

      // An edited step: the daemon reloads the config and onCodeChange retrains.
      const configFile = join(project.dir, 'mlops.config.ts')
      writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('const codeRevision = 1', 'const codeRevision = 2'))
      await waitFor(() => hook.of('trigger.fired').some((e) => e.payload.trigger === 'onCodeChange(train) → train'), 20_000)
      // The drift trigger is in its 1 h cooldown, and the repeated drift alert in the notification cooldown.
      expect(hook.of('trigger.fired')).toHaveLength(2)
      expect(hook.of('drift.detected')).toHaveLength(1)
    } finally {
      first.child.kill('SIGTERM')
    }
    const stopped = await first.done
    expect(stopped.code, stopped.stderr).toBe(0)
    expect(stopped.stderr).toMatch(/reloaded/)
    expect(stopped.stderr).toMatch(/daemon stopped/)
    expect(stopped.stdout).toMatch(/daemon stopped after \d+ ticks \(2 trigger firings\)/)
    expect((await lease()) ?? null).toBeNull() // released
    const runs = await metadata.listRuns({ pipeline: 'train' })
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
  }, 60_000)

  it('a SIGKILLed daemon leaves its lease behind; a new daemon on this host takes it over at once (its pid is gone)', async () => {
    const killed = daemon()
    await untilStarted(killed)
    killed.child.kill('SIGKILL')
    expect((await killed.done).signal).toBe('SIGKILL')
    expect((await lease())?.pid).toBe(killed.child.pid) // never released

    const next = daemon()
    try {
      await untilStarted(next)
      expect((await lease())?.pid).toBe(next.child.pid)
    } finally {
      next.child.kill('SIGTERM')
    }
    expect((await next.done).code).toBe(0)
  }, 30_000)

  it('a lease held from another host blocks a new daemon until it expires', async () => {
    const doc = await metadata.getDocument(DAEMON_STATE, 'lease')
    const now = Date.now()
    const expiresAt = new Date(now + 2000).toISOString()
    await metadata.commit({
      writes: [
        {
          collection: DAEMON_STATE,
          key: 'lease',
          value: { pid: 4242, hostname: 'other-host.example', startedAt: new Date(now).toISOString(), heartbeatAt: new Date(now).toISOString(), expiresAt },
          expectedRevision: doc?.revision ?? 0,
        },
      ],
    })
    const refused = await cli(['daemon', '--tick-ms', '200'], project.dir, env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`(pid 4242 on other-host.example, started ${new Date(now).toISOString()}; its lease runs until ${expiresAt})`)

    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expiresAt) - Date.now() + 50)))
    const after = daemon()
    try {
      await untilStarted(after)
    } finally {
      after.child.kill('SIGTERM')
    }
    expect((await after.done).code).toBe(0)
    expect((await lease()) ?? null).toBeNull() // released
  }, 30_000)
})

describe('mlops labels import: bad input', () => {
  let project: ReturnType<typeof makeProject>
  const labels = (...args: string[]) => cli(['labels', 'import', ...args], project.dir)

  beforeAll(async () => {
    project = makeProject('trigger-project')
    const trained = await cli(['run', 'train'], project.dir)
    expect(trained.code, trained.stderr).toBe(0)
    writeFileSync(join(project.dir, 'labels.csv'), 'request_id,label\nreq-1,Adelie\nreq-2,Gentoo\n,Adelie\nreq-4,\n')
    writeFileSync(join(project.dir, 'other-names.csv'), 'id,species\nreq-1,Adelie\n')
  })
  afterAll(() => project?.remove())

  it('imports rows with both an id and a label, skipping the others', async () => {
    const ok = await cli(['labels', 'import', 'penguins', '--file', 'labels.csv', '--json'], project.dir)
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ model: 'penguins', skipped: 2 })
    const renamed = await labels('penguins', '--file', 'other-names.csv', '--id-column', 'id', '--label-column', 'species')
    expect(renamed.code, renamed.stderr).toBe(0)
    expect(renamed.stdout).toMatch(/imported 1 labels for penguins/)
  })

  it('a missing id or label column, an unknown model, a missing file or no --file: exit 2 saying what to do', async () => {
    const [noId, noLabel, unknown, missing, noFile] = await Promise.all([
      labels('penguins', '--file', 'other-names.csv'),
      labels('penguins', '--file', 'other-names.csv', '--id-column', 'id'),
      labels('pelicans', '--file', 'labels.csv'),
      labels('penguins', '--file', 'nope.csv'),
      labels('penguins'),
    ])
    expect(noId.code).toBe(2)
    expect(noId.stderr).toMatch(/other-names\.csv: has no id column "request_id" \(columns: id, species\); pass --id-column/)
    expect(noLabel.code).toBe(2)
    expect(noLabel.stderr).toMatch(/has no label column "label" \(columns: id, species\); pass --label-column/)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/pelicans/)
    expect(unknown.stderr).toContain('MLOPS_MODEL_NOT_FOUND')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/nope\.csv: no such file/)
    expect(noFile.code).toBe(2)
    expect(noFile.stderr).toMatch(/import needs --file PATH/)
  })

  it('mlops monitor history of a monitor that never existed: exit 2 (a known one that never ran: exit 0)', async () => {
    const [unknown, never] = await Promise.all([cli(['monitor', 'history', 'nope'], project.dir), cli(['monitor', 'history', 'penguins-file'], project.dir)])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no monitor "nope". Monitors: penguins-file/)
    expect(never.code, never.stderr).toBe(0)
    expect(never.stdout).toMatch(/monitor penguins-file has not run yet: mlops monitor run penguins-file/)
  })
})
