import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { pythonRequirement, requirement, type Requirement } from './requirements.js';

/** Debian's python3: the interpreter a lab's workstation has (apt, no PyPI). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * What installing clients/python offline needs: python3-venv (with python3-pip-whl and
 * python3-setuptools-whl), python3-setuptools and python3-wheel to build it, python3-requests and
 * python3-pandas to run it.
 */
export const PYTHON_PACKAGE_DEPS: Requirement = (() => {
  const modules = pythonRequirement(SYSTEM_PYTHON, 'pandas, requests, setuptools, wheel, venv, ensurepip');
  return requirement(modules.available, 'python3-venv python3-setuptools python3-wheel python3-pandas python3-requests (apt) for /usr/bin/python3');
})();

/**
 * `pip install ./clients/python` as a user would offline: a venv over the system packages
 * (`--system-site-packages`), the package built from a copy of the folder (the build leaves
 * build/ and *.egg-info behind) with `--no-index --no-build-isolation`. Returns the venv's python.
 */
export function installPythonClient(dir: string): string {
  const source = join(dir, 'cortexql-python');
  cpSync(join(PACKAGE_ROOT, 'clients', 'python'), source, { recursive: true, filter: (f) => !/(__pycache__|\.egg-info|[\\/]build)$/.test(f) });
  const venv = join(dir, 'venv');
  execFileSync(SYSTEM_PYTHON, ['-m', 'venv', '--system-site-packages', venv], { stdio: 'pipe' });
  const python = join(venv, 'bin', 'python');
  execFileSync(python, ['-m', 'pip', 'install', '--no-index', '--no-build-isolation', '--no-cache-dir', '--quiet', source], { stdio: 'pipe', env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  return python;
}
