import type express from 'express';
import { join } from 'node:path';
import { dashboardMiddleware } from '../dashboard/serveDashboard.js';
import { PACKAGE_ROOT } from '../services/paths.js';

/** The dashboard at /dashboard/ (built by npm run build into dist/dashboard; it only uses the public GraphQL API). */
export function mountStatic(app: express.Express): void {
  app.use('/dashboard', dashboardMiddleware(join(PACKAGE_ROOT, 'dist', 'dashboard')));
}
