/** The demo's build status in `/healthz` (server/demo.ts). */
interface DemoStatus {
  readonly state: 'building' | 'ready' | 'failed' | 'stopped';
  readonly stage?: string;
  readonly done?: number;
  readonly total?: number;
}

/** The banner text for a status, or null when there is nothing to say. */
export function demoProgressText(demo: DemoStatus | undefined): string | null {
  if (!demo || demo.state !== 'building') return null;
  return `The demo’s simulated study (sim-tinygpt, sim-narratives) is building: ${demo.stage ?? 'starting'}${demo.total ? ` ${demo.done ?? 0}/${demo.total}` : ''}. `
    + 'The Pythia evals are ready now; this page reloads with the brain scores when the study is done.';
}

/**
 * On a first start the server listens while the demo's simulated study builds: show how far it
 * is (from /healthz, every 3 s while it lasts), and call `onReady` once it is ready (the page
 * reloads to show the study).
 */
export function demoProgress(banner: HTMLElement, onReady: () => void): void {
  let sawBuilding = false;
  const poll = async () => {
    const demo = await fetch('/healthz', { headers: { accept: 'application/json' } })
      .then((r): Promise<{ demo?: DemoStatus }> | { demo?: DemoStatus } => (r.ok ? r.json() : {}))
      .then((h) => h.demo, () => undefined);
    const text = demoProgressText(demo);
    banner.hidden = text === null;
    banner.textContent = text ?? '';
    if (text !== null) {
      sawBuilding = true;
      setTimeout(poll, 3000);
    } else if (sawBuilding && demo?.state === 'ready') {
      onReady();
    }
  };
  void poll();
}
