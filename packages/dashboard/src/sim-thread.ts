// Worker-thread entry: runs one simulation and posts its q0 and mean response (see predictions.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { simulate, type SimOptions } from '@jiq/sim';

try {
  const r = simulate(workerData as SimOptions);
  parentPort?.postMessage({ q0: r.q0, q0Ci95: r.q0Ci95, meanResponse: r.meanResponse });
} catch (err) {
  parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
