// Runs one `mlops drift ...` command line in this process (the built CLI's main) and reports its wall time
// and the process's peak RSS (worker threads included) as one JSON line on stderr. Used by bench/drift.mjs.
import { main } from '../packages/cli/dist/main.js'

const started = performance.now()
let out = ''
const io = {
  stdout: { write: (s) => (out += s) },
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  isInteractive: false,
  useColor: false,
  signal: new AbortController().signal,
}
const code = await main(process.argv.slice(2), io)
const wallMs = performance.now() - started
process.stderr.write(`\n@@bench ${JSON.stringify({ code, wallMs, maxRssKB: process.resourceUsage().maxRSS, stdout: out.length < 200_000 ? out : '' })}\n`)
process.exitCode = code
