// A separate process that runs one encoding job on a warehouse file and reports its progress on
// stdout, so a test can kill -9 it mid-job. Imports the build (npm test builds first).
import { Warehouse } from '../../dist/warehouse/Warehouse.js';
import { Scheduler } from '../../dist/services/jobs/Scheduler.js';
import { encodingJob } from '../../dist/services/jobs/jobSpec.js';

const [db] = process.argv.slice(2);
const wh = await Warehouse.create({ path: db });
const scheduler = new Scheduler(wh, { workers: 1 });
const job = await scheduler.submit(encodingJob('tiny', 100, 'synth'));
console.log(`submitted ${job.jobId}`);
// Watch the job's progress as the scheduler records it.
let tick = Promise.resolve();
const timer = setInterval(() => {
  tick = scheduler.job(job.jobId).then((current) => {
    if (current.status === 'RUNNING' && current.cellsDone > 0) console.log(`progress ${current.cellsDone}/${current.cellsTotal}`);
  });
}, 20);
await scheduler.wait(job.jobId, 120_000);
clearInterval(timer);
await tick;
console.log('finished');
await scheduler.close();
await wh.close();
