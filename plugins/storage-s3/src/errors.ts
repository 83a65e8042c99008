import type { ErrorData } from '@mlops/core'

/**
 * The errors of the S3 store. The messages name the endpoint, the bucket and the key, and never a
 * credential: the SDK's own messages are scrubbed of the secret before they are quoted.
 */
export const S3Unreachable = {
  code: 'MLOPS_S3_UNREACHABLE',
  title: 'The S3 endpoint cannot be reached.',
  message: (endpoint: string, operation: string, where: string, reason: string) =>
    `Could not reach the S3 endpoint ${endpoint} (${operation} ${where}): ${reason}`,
  hint: 'Check the `endpoint` and `region` options of @mlops/storage-s3 and that the service is running; `npx mlops doctor` re-checks the connection.',
  exit: 2,
} satisfies ErrorData<[string, string, string, string]>

export const S3AccessDenied = {
  code: 'MLOPS_S3_ACCESS_DENIED',
  title: 'The S3 endpoint refused the credentials.',
  message: (endpoint: string, operation: string, where: string, reason: string) =>
    `${endpoint} refused ${operation} ${where}: ${reason}`,
  hint: (_endpoint: string, _operation: string, _where: string, _reason: string) =>
    'Check the access key id and secret in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the variables named by `accessKeyIdEnv`/`secretAccessKeyEnv`), and that they may get, put, delete and list objects in the bucket.',
  exit: 2,
} satisfies ErrorData<[string, string, string, string]>

export const S3BucketNotFound = {
  code: 'MLOPS_S3_BUCKET_NOT_FOUND',
  title: 'The S3 bucket does not exist.',
  message: (endpoint: string, bucket: string) => `There is no bucket "${bucket}" at ${endpoint}.`,
  hint: 'Create the bucket (e.g. `aws s3 mb s3://BUCKET`) or fix the `bucket` option of @mlops/storage-s3.',
  exit: 2,
} satisfies ErrorData<[string, string]>

export const S3RequestFailed = {
  code: 'MLOPS_S3_REQUEST_FAILED',
  title: 'An S3 request failed.',
  message: (endpoint: string, operation: string, where: string, reason: string) =>
    `${operation} ${where} failed at ${endpoint}: ${reason}`,
  hint: 'The service reported the error above; retry once it is healthy (the SDK already retried transient failures).',
  exit: 1,
} satisfies ErrorData<[string, string, string, string]>

export const S3CredentialsIncomplete = {
  code: 'MLOPS_S3_CREDENTIALS_INCOMPLETE',
  title: 'Incomplete S3 credentials.',
  message: (present: string, missing: string) => `The environment sets ${present} but not ${missing}.`,
  hint: 'Set both variables (the access key id and its secret), or neither to use the AWS SDK default credential chain (shared config file, instance role).',
  exit: 2,
} satisfies ErrorData<[string, string]>
