import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerGradientKernels } from './gradient-kernels.js';

export interface BackendInfo {
  name: string;
  /** Set when the fast backend could not start and tfjs runs on its slow pure-JS one. */
  warning?: string;
}

let ready: Promise<BackendInfo> | undefined;

/**
 * Picks the tfjs backend once per process: the native one when `@tensorflow/tfjs-node` is installed
 * (optional: its install downloads libtensorflow), else WebAssembly. `setBackend('wasm')` can fail
 * and leave tfjs on the plain JS backend without a word, so the result is checked and a fallback
 * is reported loudly on stderr. The pure backends get the gradient kernels they lack
 * (gradient-kernels.ts), so every architecture trains on them.
 */
export function initBackend(): Promise<BackendInfo> {
  ready ??= chooseBackend();
  return ready;
}

async function chooseBackend(): Promise<BackendInfo> {
  const wanted = process.env.TROVE_ML_BACKEND;
  if (wanted === undefined || wanted === 'tensorflow') {
    const native = await tryNative();
    if (native) return native;
  }
  const target = wanted === 'cpu' ? 'cpu' : 'wasm';
  let failure = '';
  try {
    const ok = await tf.setBackend(target);
    await tf.ready();
    if (!ok) failure = `setBackend('${target}') returned false`;
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  const name = tf.getBackend();
  registerGradientKernels(name);
  if (name !== target) {
    const warning = `WARNING: the ${target} tfjs backend did not start (${failure || `active backend is "${name}"`}); training runs on the slow "${name}" backend`;
    process.stderr.write(warning + '\n');
    return { name, warning };
  }
  return { name };
}

async function tryNative(): Promise<BackendInfo | null> {
  const moduleName = '@tensorflow/tfjs-node';
  try {
    await import(moduleName);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find module/.test((err as Error).message)) return null;
    process.stderr.write(`WARNING: @tensorflow/tfjs-node is installed but did not load (${(err as Error).message}); using WebAssembly\n`);
    return null;
  }
  if (await tf.setBackend('tensorflow')) return { name: 'tensorflow' };
  return null;
}
