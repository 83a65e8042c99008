import { PutObjectCommand } from '@aws-sdk/client-s3'
import { storageConformance } from '@mlops/testkit'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { createS3ArtifactStore, S3ArtifactStore } from '../src/index.js'
import { S3RVER_CREDENTIALS, startS3rver } from './s3rver.js'
import type { RunningS3rver } from './s3rver.js'

let s3: RunningS3rver
beforeAll(async () => {
  s3 = await startS3rver()
})
afterAll(() => s3.close())
let count = 0

storageConformance(
  { describe, it },
  {
    pluginName: '@mlops/storage-s3',
    // A fresh prefix per case: stores on one bucket are isolated by their prefix.
    create: () =>
      createS3ArtifactStore({
        bucket: s3.bucket,
        prefix: `conformance-${process.pid}-${count++}/`,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: S3RVER_CREDENTIALS,
      }),
    // Overwrite the object with one flipped byte through the S3 API, as a stray writer would.
    async corrupt(hash, store) {
      const s3Store = store as S3ArtifactStore
      const bytes = Buffer.from(await s3Store.get(hash))
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff
      const key = s3Store.describe(hash).slice(`s3://${s3Store.bucket}/`.length)
      await s3Store.client.send(new PutObjectCommand({ Bucket: s3Store.bucket, Key: key, Body: bytes }))
    },
  },
)
