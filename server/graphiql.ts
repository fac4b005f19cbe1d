import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// The UMD builds are not in the packages' "exports", so resolve each package's folder.
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** Files the GraphiQL page loads, served from node_modules so it works with no internet. */
export const GRAPHIQL_ASSETS: Record<string, string> = {
  'react.js': join(packageDir('react'), 'umd', 'react.production.min.js'),
  'react-dom.js': join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'),
  'graphiql.js': join(packageDir('graphiql'), 'graphiql.min.js'),
  'graphiql.css': join(packageDir('graphiql'), 'graphiql.min.css'),
};

const EXAMPLE_QUERY = `# cortexql: brain alignment, internal states and benchmark trajectories over training.
# Press the play button (or Ctrl-Enter) to run.
query Trajectories {
  models(first: 10) {
    totalCount
    nodes {
      id
      params
      taskTrajectory(task: "lambada_openai", metric: "acc") { step tokens value stderr }
    }
  }
}
`;

export function graphiqlPage(endpoint: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>cortexql GraphiQL</title>
  <link rel="stylesheet" href="/assets/graphiql.css" />
  <style>html, body, #graphiql { height: 100%; margin: 0; }
    #demo-progress { position: fixed; right: 12px; bottom: 12px; z-index: 10; max-width: 28em; padding: 8px 12px; border-radius: 6px;
      background: #fff8d6; color: #333; font: 13px/1.4 system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.25); }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <div id="demo-progress" hidden></div>
  <script src="/assets/react.js"></script>
  <script src="/assets/react-dom.js"></script>
  <script src="/assets/graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(endpoint)} });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultQuery: ${JSON.stringify(EXAMPLE_QUERY)} }),
    );
    // On a first start the demo's simulated study builds after the server is listening: say how far (/healthz).
    const progress = document.getElementById('demo-progress');
    const poll = async () => {
      const demo = await fetch('/healthz').then((r) => r.json()).then((h) => h.demo, () => undefined);
      progress.hidden = !demo || demo.state !== 'building';
      if (progress.hidden) return;
      progress.textContent = 'The demo\u2019s simulated study (sim-tinygpt, sim-narratives) is building: ' + demo.stage +
        (demo.total ? ' ' + demo.done + '/' + demo.total : '') + '. The Pythia evals are ready; brain scores appear as they are written.';
      setTimeout(poll, 3000);
    };
    poll();
  </script>
</body>
</html>`;
}
