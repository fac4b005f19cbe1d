/**
 * Worker thread of bench/hostile.ts: polls /healthz and a cheap query, one request at a time each,
 * until `until`, and posts the latencies. In its own thread so the bench's main thread — which
 * parses the hostile clients' large responses — cannot delay the probes and inflate their figures.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface ProbeInput {
  readonly url: string;
  readonly until: number;
}

export interface Latencies {
  readonly healthz: number[];
  readonly cheap: number[];
}

const CHEAP_QUERY = '{ models(first: 1) { totalCount } }';

async function probe({ url, until }: ProbeInput): Promise<Latencies> {
  const out: Latencies = { healthz: [], cheap: [] };
  const loop = async (samples: number[], once: () => Promise<void>) => {
    while (Date.now() < until) {
      const t0 = performance.now();
      await once();
      samples.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await Promise.all([
    loop(out.healthz, async () => {
      const res = await fetch(`${url}healthz`);
      if (res.status !== 200) throw new Error(`/healthz ${res.status}`);
      await res.arrayBuffer();
    }),
    loop(out.cheap, async () => {
      const res = await fetch(`${url}graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: CHEAP_QUERY }) });
      const body = (await res.json()) as { errors?: { message: string }[] };
      if (body.errors) throw new Error(`cheap query: ${body.errors[0].message}`);
    }),
  ]);
  return out;
}

parentPort!.postMessage(await probe(workerData as ProbeInput));
