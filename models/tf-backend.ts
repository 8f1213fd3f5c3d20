// The one place that picks the TensorFlow.js backend for the project's models:
//   1. @tensorflow/tfjs-node when it is installed (native TensorFlow, an optional dependency
//      that usually fails to install on machines without a matching prebuilt binary);
//   2. else @tensorflow/tfjs on the wasm backend, its .wasm files loaded from node_modules;
//   3. else (wasm cannot initialise) the pure-JS cpu backend.
// The choice is made once per process and logged (stderr) with the backend's name.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type Tf = typeof import('@tensorflow/tfjs');
export interface TfHandle {
  tf: Tf;
  backend: 'tensorflow' | 'wasm' | 'cpu';
}

let pending: Promise<TfHandle> | undefined;
const require = createRequire(import.meta.url);

function log(message: string): void {
  if (process.env.AIOPS_TF_QUIET === '1') return;
  process.stderr.write(`${JSON.stringify({ level: 'info', msg: message, component: 'models/tf-backend' })}\n`);
}

async function choose(): Promise<TfHandle> {
  try {
    // Optional dependency: a variable specifier keeps TypeScript from requiring its types.
    const nodeName = '@tensorflow/tfjs-node';
    const tfNode = (await import(nodeName)) as Tf;
    await tfNode.ready();
    log(`tensorflow.js backend: ${tfNode.getBackend()} (@tensorflow/tfjs-node)`);
    return { tf: tfNode, backend: 'tensorflow' };
  } catch {
    // not installed or its native binary does not load: fall through to wasm
  }
  const tf = await import('@tensorflow/tfjs');
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    // A file URL directory prefix: the backend appends the .wasm file name it wants.
    wasm.setWasmPaths(`${pathToFileURL(dist).href}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) returned false');
    await tf.ready();
    log(`tensorflow.js backend: wasm (@tensorflow/tfjs-backend-wasm, files from ${join(dist)})`);
    return { tf, backend: 'wasm' };
  } catch (err) {
    log(`tensorflow.js wasm backend failed to initialise (${(err as Error).message}); using cpu`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  log('tensorflow.js backend: cpu (@tensorflow/tfjs)');
  return { tf, backend: 'cpu' };
}

/** The project's TensorFlow.js, on the best backend available here (chosen once per process). */
export function loadTf(): Promise<TfHandle> {
  pending ??= choose();
  return pending;
}
