#!/usr/bin/env node
import { main } from '../dist/main.js'

const code = await main(process.argv.slice(2))
process.exitCode = code
// A step that ignored its abort signal may still hold timers or sockets: the command is over, so do
// not wait for them (unref: a process that is already idle exits at once).
setTimeout(() => process.exit(code), 200).unref()
