/** pip's truth table: names, pins, requirements files, `python -m pip`, uninstall. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

runTester(
  'pip',
  {
    mapped: [
      { code: 'pip install --no-cache-dir flask', rule: 'run.pip.install', check: (plan) => expect(plan.image.python?.packages).toContain('flask') },
      {
        code: 'python -m pip install --no-cache-dir requests',
        rule: 'run.pip.install',
        check: (plan) => expect(plan.image.python?.packages).toContain('requests'),
      },
      { code: 'python3 -m pip install flask==3.0.0', message: /pinned versions/ },
      { code: 'pip3 install -r requirements.txt', before: 'WORKDIR /app\nCOPY requirements.txt .', files: { 'requirements.txt': 'flask\n' } },
      'sudo pip install flask',
      'env PIP_NO_CACHE_DIR=1 pip install flask',
    ],
    approximated: [
      // An extra's packages are not installed yet: the report says so (no silent drop).
      { code: "pip install 'fastapi[standard]'", message: /the extras fastapi\[standard\] are not installed/ },
      {
        code: 'pip install -r requirements.txt',
        before: 'WORKDIR /app\nCOPY requirements.txt .',
        files: { 'requirements.txt': 'uvicorn[standard,Extra2]==0.30.1\n' },
        message: /uvicorn\[standard\]\[extra2\] are not installed/,
      },
      { code: 'pip install .', before: 'WORKDIR /app\nCOPY . .', files: { 'pyproject.toml': '[project]\nname = "x"\ndependencies = ["flask"]\n' } },
    ],
    manual: [
      { code: 'pip install -r /missing/requirements.txt', message: /not copied from the build context/ },
      { code: 'pip install git+https://github.com/x/y.git#egg=y', message: /package it with buildPythonPackage/ },
      { code: 'pip frobnicate', rule: 'run.pip.unknown' },
      { code: 'pip install flask $EXTRA', message: /only known at build time, so not mapped: \$EXTRA/ },
    ],
    ignored: [
      { code: 'pip uninstall -y flask', rule: 'run.pip.uninstall' },
      { code: 'python -m pip install --upgrade pip setuptools wheel', rule: 'run.pip.tooling' },
      { code: 'pip install --upgrade pip', rule: 'run.pip.tooling' },
      { code: 'pip cache purge', rule: 'run.pip.noop' },
      { code: 'pip freeze', rule: 'run.pip.noop' },
      // Was "pip : not understood" (manual): python -m pip skipped the version check.
      { code: 'python -m pip --version', rule: 'run.version-check' },
    ],
  },
  { base: 'python:3.12-slim' },
);
