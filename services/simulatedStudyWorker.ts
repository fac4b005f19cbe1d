/**
 * Worker thread: writes the simulated study (services/simulatedStudy.ts), whose generator is
 * seconds of synchronous numerics, so a serving server's event loop stays free while it runs
 * (services/demo.ts writeSimulatedStudyOffThread). Posts progress, then the study or an error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeSimulatedStudy, type WriteSimulatedStudyOptions } from './simulatedStudy.js';

const port = parentPort;
if (port) {
  try {
    const study = await writeSimulatedStudy({ ...(workerData as WriteSimulatedStudyOptions), onProgress: (p) => port.postMessage({ type: 'progress', ...p }) });
    port.postMessage({ type: 'result', study });
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}
