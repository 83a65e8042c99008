import { mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'

/** s3rver's built-in account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export interface S3Event {
  eventName: string
  key: string
}

export interface RunningS3rver {
  endpoint: string
  bucket: string
  /** Object-created/removed notifications s3rver emitted, oldest first. */
  events: S3Event[]
  close(): Promise<void>
}

/** A real S3 API in this process: s3rver on 127.0.0.1 with a random port, files in a temp dir. */
export async function startS3rver(bucket = 'mlops-test'): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'mlops-s3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] })
  const { port } = await server.run()
  const events: S3Event[] = []
  ;(server as unknown as NodeJS.EventEmitter).on('event', (event: { Records?: { eventName: string; s3: { object: { key: string } } }[] }) => {
    for (const record of event.Records ?? []) events.push({ eventName: record.eventName, key: decodeURIComponent(record.s3.object.key) })
  })
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    events,
    async close() {
      const http = (server as unknown as { httpServer?: Server }).httpServer
      http?.closeAllConnections()
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
