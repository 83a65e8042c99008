import { isMlopsError } from '@mlops/core'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Service } from 'kubernetes-models/v1/Service'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { kubernetesName, labelValue, renderManifests, type K8sObject } from '../src/index.js'
import { request } from './helpers.js'

const options = { namespace: 'ml', image: 'ghcr.io/acme/penguins:1' }

/** Validates each object against the official OpenAPI schema of its kind (kubernetes-models). */
function validate(manifests: K8sObject[]): void {
  for (const m of manifests) {
    const Model = { ConfigMap, Deployment, Service }[m.kind as 'ConfigMap' | 'Deployment' | 'Service']
    expect(Model, m.kind).toBeDefined()
    new Model(m as never).validate()
  }
}

function byKind<T = any>(manifests: K8sObject[], kind: string): T {
  return manifests.find((m) => m.kind === kind) as T
}

async function rejected(fn: () => unknown) {
  try {
    await fn()
  } catch (error) {
    return error
  }
  throw new Error('expected it to throw')
}

describe('renderManifests', () => {
  it('renders a ConfigMap, Deployment and Service that pass the Kubernetes schemas', () => {
    const r = renderManifests(request(), options)
    expect(r.manifests.map((m) => `${m.apiVersion} ${m.kind}`)).toEqual(['v1 ConfigMap', 'apps/v1 Deployment', 'v1 Service'])
    validate(r.manifests)
    expect(r.name).toBe('penguins-champion-k8s')
    expect(r.manifests.every((m) => m.metadata.namespace === 'ml' && m.metadata.name === 'penguins-champion-k8s')).toBe(true)
  })

  it('runs the serve command in the image, with OIP probes, port, resources, replicas and the Secret', () => {
    const r = renderManifests(request(), { ...options, replicas: 3, resources: { requests: { cpu: '250m', memory: '300Mi' }, limits: { cpu: '1', memory: '1Gi' } } })
    const d = byKind(r.manifests, 'Deployment')
    expect(d.spec.replicas).toBe(3)
    const c = d.spec.template.spec.containers[0]
    expect(c.image).toBe('ghcr.io/acme/penguins:1')
    expect(c.workingDir).toBe('/app')
    expect(c.command).toEqual(request().serveCommand)
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }])
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' })
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' })
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '300Mi' }, limits: { cpu: '1', memory: '1Gi' } })
    expect(c.envFrom).toEqual([{ secretRef: { name: 'mlops-credentials', optional: true } }])
    expect(c.env).toContainEqual({ name: 'MLOPS_SERVE_HOST', value: '0.0.0.0' })
    expect(c.env).toContainEqual({ name: 'MLOPS_SERVE_PORT', value: '8080' })
    const s = byKind(r.manifests, 'Service')
    expect(s.spec.type).toBe('ClusterIP')
    expect(s.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }])
    expect(s.spec.selector).toEqual(d.spec.selector.matchLabels)
  })

  it('labels everything with app.kubernetes.io/* and mlops.dev/model, mlops.dev/version; the selector omits the version', () => {
    const r = renderManifests(request(), options)
    const d = byKind(r.manifests, 'Deployment')
    for (const labels of [...r.manifests.map((m) => m.metadata.labels), d.spec.template.metadata.labels]) {
      expect(labels).toMatchObject({
        'app.kubernetes.io/name': 'mlops-model-server',
        'app.kubernetes.io/instance': 'penguins-champion-k8s',
        'app.kubernetes.io/version': '3',
        'app.kubernetes.io/part-of': 'palmer',
        'app.kubernetes.io/managed-by': 'mlops',
        'mlops.dev/model': 'penguins',
        'mlops.dev/version': '3',
        'mlops.dev/alias': 'champion',
      })
    }
    // A Deployment's selector cannot change: a version in it would make every promotion fail to apply.
    expect(d.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'mlops-model-server', 'app.kubernetes.io/instance': 'penguins-champion-k8s' })
    expect(d.metadata.annotations['mlops.dev/artifact-hash']).toBe('ab'.repeat(32))
  })

  it('puts the model reference in the ConfigMap and mounts it', () => {
    const r = renderManifests(request(), options)
    expect(byKind(r.manifests, 'ConfigMap').data).toEqual({
      deploymentId: 'penguins-champion-k8s',
      project: 'palmer',
      configFile: 'mlops.config.ts',
      model: 'penguins',
      alias: 'champion',
      version: '3',
      artifactHash: 'ab'.repeat(32),
      serveCommand: JSON.stringify(request().serveCommand),
    })
    const pinned = renderManifests(request({ selector: { version: '2' }, resolved: { version: '2', artifactHash: 'cd'.repeat(32) } }), options)
    expect(byKind(pinned.manifests, 'ConfigMap').data).toMatchObject({ pinnedVersion: '2', version: '2' })
    expect(byKind(pinned.manifests, 'ConfigMap').data.alias).toBeUndefined()
    const spec = byKind(r.manifests, 'Deployment').spec.template.spec
    expect(spec.volumes).toEqual([{ name: 'model-reference', configMap: { name: 'penguins-champion-k8s' } }])
    expect(spec.containers[0].volumeMounts[0]).toMatchObject({ name: 'model-reference', readOnly: true })
  })

  it('a new version changes the pod template (a rollout), the same version renders the same bytes', () => {
    const a = renderManifests(request(), options)
    expect(renderManifests(request(), options).yaml).toBe(a.yaml)
    const b = renderManifests(request({ resolved: { version: '4', artifactHash: 'ef'.repeat(32) } }), options)
    const template = (r: typeof a) => byKind(r.manifests, 'Deployment').spec.template.metadata
    expect(template(b).annotations['mlops.dev/reference-checksum']).not.toBe(template(a).annotations['mlops.dev/reference-checksum'])
    expect(template(b).labels['mlops.dev/version']).toBe('4')
  })

  it('the YAML is three documents equal to the objects', () => {
    const r = renderManifests(request(), options)
    const docs = parseAllDocuments(r.yaml).map((d) => d.toJS())
    expect(docs).toEqual(r.manifests)
    expect(r.yaml.startsWith('# Rendered by @mlops/deploy-k8s for penguins@champion (version 3)')).toBe(true)
    // The labels object is shared by the three objects: written out each time, never as YAML anchors and aliases.
    expect(r.yaml).not.toMatch(/&a\d|\*a\d/)
  })

  it('settings override the options; --port on the serve command sets the container and Service port', () => {
    const r = renderManifests(
      request({
        serveCommand: [...request().serveCommand, '--port', '9000'],
        settings: { port: '9000', replicas: '2', image: 'registry.local/p:2', namespace: 'prod', serviceType: 'LoadBalancer', 'limits.memory': '2Gi', secretName: 'pg-and-s3' },
      }),
      options,
    )
    validate(r.manifests)
    const d = byKind(r.manifests, 'Deployment')
    const c = d.spec.template.spec.containers[0]
    expect([r.port, c.ports[0].containerPort, byKind(r.manifests, 'Service').spec.ports[0].port]).toEqual([9000, 9000, 9000])
    expect(c.env).toContainEqual({ name: 'MLOPS_SERVE_PORT', value: '9000' })
    expect([d.spec.replicas, c.image, r.namespace, byKind(r.manifests, 'Service').spec.type]).toEqual([2, 'registry.local/p:2', 'prod', 'LoadBalancer'])
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '2Gi' } })
    expect(c.envFrom[0].secretRef.name).toBe('pg-and-s3')
  })

  it('turns any deployment id into a valid Kubernetes name, and any text into a valid label value', () => {
    expect(kubernetesName('penguins-champion-k8s')).toBe('penguins-champion-k8s')
    for (const id of ['Penguins_Champion@k8s', '3d-model-2-k8s', `${'x'.repeat(80)}-k8s`, 'a.b', 'a_b']) {
      const name = kubernetesName(id)
      expect(name, id).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/)
    }
    expect(kubernetesName('a.b')).not.toBe(kubernetesName('a_b'))
    expect(labelValue('v1 (beta)/2')).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/)
    const r = renderManifests(request({ deploymentId: 'Penguins_Champion@k8s', model: 'Penguins Model', resolved: { version: '2024-01-01T00:00', artifactHash: 'ab'.repeat(32) } }), options)
    validate(r.manifests)
    expect(r.manifests[0]!.metadata.annotations!['mlops.dev/model']).toBe('Penguins Model')
  })

  it('the schema check can fail: a broken Deployment is rejected', () => {
    const d = structuredClone(byKind(renderManifests(request(), options).manifests, 'Deployment'))
    d.spec.template.spec.containers[0].ports[0].containerPort = 'eighty'
    expect(() => new Deployment(d).validate()).toThrow(/containerPort must be integer/)
  })

  it.each([
    ['no image', request(), { namespace: 'ml' }, 'MLOPS_K8S_IMAGE_MISSING', /needs a container image/],
    ['an empty model', request({ model: '' }), options, 'MLOPS_K8S_DEPLOY_REQUEST_INVALID', /model must be a registered model name/],
    ['an empty deployment id', request({ deploymentId: '' }), options, 'MLOPS_K8S_DEPLOY_REQUEST_INVALID', /deploymentId/],
    ['an empty serve command', request({ serveCommand: [] }), options, 'MLOPS_K8S_DEPLOY_REQUEST_INVALID', /serveCommand/],
    ['an unknown setting', request({ settings: { replica: '3' } }), options, 'MLOPS_K8S_SETTING_INVALID', /"replica": unknown setting \(known: image, namespace, replicas/],
    ['a bad quantity', request({ settings: { 'limits.memory': 'lots' } }), options, 'MLOPS_K8S_SETTING_INVALID', /"limits.memory": must be a Kubernetes quantity.*got "lots"/],
    ['a bad replica count', request({ settings: { replicas: 'three' } }), options, 'MLOPS_K8S_SETTING_INVALID', /"replicas": must be a whole number/],
    ['a bad namespace', request({ settings: { namespace: 'Prod_NS' } }), options, 'MLOPS_K8S_SETTING_INVALID', /"namespace": must be a DNS label/],
  ] as const)('rejects %s with a clear exit-2 error', async (_label, req, opts, code, message) => {
    const error = await rejected(() => renderManifests(req, opts))
    expect(isMlopsError(error) && { code: error.code, exit: error.exit }).toEqual({ code, exit: 2 })
    expect((error as Error).message).toMatch(message)
  })
})
