import express, { type Router } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files `dashboard/build.mjs` writes. Only these are served: tsc also compiles this module
 * into the same folder (dist/dashboard/serveDashboard.js), and that is not a browser asset.
 */
export const DASHBOARD_FILES = ['index.html', 'app.js', 'app.css'] as const;

/**
 * Serves the bundled dashboard (dist/dashboard/, built by `node dashboard/build.mjs`) under any
 * mount path: `app.use('/dashboard', dashboardMiddleware(dir))`. `/dashboard` redirects to
 * `/dashboard/` so the page's relative asset URLs resolve. The page talks to `/graphql` only.
 */
export function dashboardMiddleware(distDir: string): Router {
  const router = express.Router({ strict: true });
  const send = (name: string): express.RequestHandler => (_req, res) => {
    const file = join(distDir, name);
    if (!existsSync(file)) {
      res.status(404).type('text').send('The dashboard is not built: run `npm run build` (node dashboard/build.mjs).');
      return;
    }
    // index.html names the bundle without a content hash, so revalidate rather than cache.
    res.sendFile(file, { headers: { 'cache-control': 'no-cache' } });
  };
  router.get('/', (req, res, next) => {
    const [path, query] = splitUrl(req.originalUrl);
    if (!path.endsWith('/')) res.redirect(301, `${path}/${query}`);
    else next();
  });
  router.get('/', send('index.html'));
  for (const name of DASHBOARD_FILES) router.get(`/${name}`, send(name));
  return router;
}

function splitUrl(url: string): [string, string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q)];
}
