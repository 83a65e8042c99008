// The shared field checks of every metadata store live in core (one behaviour for all backends).
export { encodeField as encode, invalidInput as invalid, limitOf } from '@mlops/core'
