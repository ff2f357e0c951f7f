// The Node flags the service runs with (bin/node-flags.mjs; bin/start.mjs applies them for npm start
// and the image's CMD): the bench starts the service with the same flags, so its figures are a deployment's.
import { NODE_FLAGS } from '../bin/node-flags.mjs'

export function serviceNodeFlags (): string[] { return [...NODE_FLAGS] }
