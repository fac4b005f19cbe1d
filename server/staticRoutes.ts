import express from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './paths.js';

/** The dashboard, when it has been built (npm run build). */
export function mountStatic(app: express.Express): void {
  const dashboard = join(PACKAGE_ROOT, 'dist', 'dashboard');
  if (existsSync(dashboard)) app.use('/dashboard', express.static(dashboard));
}
