// Which Python runs train.py. Debian's scikit-learn (`apt-get install python3-sklearn python3-pandas`)
// lives in the system Python, /usr/bin/python3, which need not be the `python3` first on PATH (pyenv,
// a virtualenv without scikit-learn). The check asks Python whether it can find the modules, without
// importing them, so loading the config stays fast.
import { execFileSync } from 'node:child_process'

const HAS_MODULES = 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("sklearn") and u.find_spec("pandas") else 1)'

/** Whether `python` runs and can import scikit-learn and pandas. */
export function hasSklearn(python: string): boolean {
  try {
    execFileSync(python, ['-c', HAS_MODULES], { stdio: 'ignore', timeout: 10_000 })
    return true
  } catch {
    return false
  }
}

/**
 * `$MLOPS_PYTHON` if set, else the first of `python3` (on PATH) and `/usr/bin/python3` that has
 * scikit-learn and pandas. With none, `python3`: train.py then says what to install.
 */
export function findPython(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.MLOPS_PYTHON) return env.MLOPS_PYTHON
  return ['python3', '/usr/bin/python3'].find(hasSklearn) ?? 'python3'
}
