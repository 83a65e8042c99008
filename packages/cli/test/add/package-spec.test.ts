import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parsePackageSpec } from '../../src/add/package-spec.js'

describe('mlops add: package specs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-add-spec-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads the package name from a packed tarball (package/package.json, as npm pack writes it)', async () => {
    mkdirSync(join(dir, 'package'))
    writeFileSync(join(dir, 'package', 'package.json'), JSON.stringify({ name: '@acme/notify-pager', version: '1.2.3' }))
    execFileSync('tar', ['-czf', join(dir, 'acme-notify-pager-1.2.3.tgz'), '-C', dir, 'package'])
    const spec = await parsePackageSpec('./acme-notify-pager-1.2.3.tgz', dir)
    expect(spec).toEqual({ name: '@acme/notify-pager', installSpec: join(dir, 'acme-notify-pager-1.2.3.tgz') })
  })

  it('names, ranges and folders; a tarball that is not one is a usage error', async () => {
    expect(await parsePackageSpec('@mlops/notify-webhook@^0.2', dir)).toEqual({ name: '@mlops/notify-webhook', installSpec: '@mlops/notify-webhook@^0.2' })
    expect(await parsePackageSpec('./package', dir)).toEqual({ name: '@acme/notify-pager', installSpec: './package' })
    writeFileSync(join(dir, 'broken.tgz'), 'not a tarball')
    await expect(parsePackageSpec('./broken.tgz', dir)).rejects.toMatchObject({ code: 'MLOPS_USAGE', message: expect.stringMatching(/broken\.tgz is not an npm package tarball/) })
    await expect(parsePackageSpec('Not A Name', dir)).rejects.toMatchObject({ code: 'MLOPS_USAGE' })
  })
})
