import { spawnSync } from 'node:child_process';

/** Debian's interpreter, the one `python3-sklearn` installs into (a pyenv `python3` on PATH may lack it). */
const PYTHON = '/usr/bin/python3';

function hasSklearn(): boolean {
  return spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0;
}

/** Installs Debian's `python3-sklearn` when it is missing (refreshing the package lists once if needed). */
export function ensureSklearn(): void {
  if (hasSklearn()) return;
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-sklearn'], { stdio: 'inherit' }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    install();
  }
  if (!hasSklearn()) throw new Error(`scikit-learn is not importable by ${PYTHON} (apt-get install python3-sklearn failed)`);
}

/** The scikit-learn version the peer runs (for the printed figures). */
export function sklearnVersion(): string {
  return spawnSync(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' }).stdout.trim();
}

/** Runs a peer script with `input` as JSON on stdin and returns its JSON output. */
export function runPeer<T>(script: string, input: unknown): T {
  const run = spawnSync(PYTHON, [script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`${script} failed (exit ${run.status}): ${run.stderr.trim()}`);
  return JSON.parse(run.stdout) as T;
}
