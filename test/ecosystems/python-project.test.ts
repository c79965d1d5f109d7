/** Python project tools and virtual environments. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

const uvProject = { 'pyproject.toml': '[project]\nname = "x"\ndependencies = ["flask"]\n', 'uv.lock': 'version = 1\n' };
const poetryProject = { 'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.11"\nflask = "^3"\n' };

runTester(
  'python-project',
  {
    approximated: [
      { code: 'python -m venv /opt/venv', rule: 'run.python.venv', message: /python\.withPackages/ },
      { code: 'python3 -m virtualenv /opt/venv', rule: 'run.python.venv' },
      { code: 'virtualenv /opt/venv', rule: 'run.python.venv' },
      { code: 'uv venv /opt/venv', rule: 'run.python.venv' },
      {
        code: 'uv sync --frozen',
        before: 'WORKDIR /app\nCOPY . .',
        files: uvProject,
        rule: 'run.uv.install',
        message: /uv2nix/,
        check: (plan) => expect(plan.image.python?.packages).toContain('flask'),
      },
      {
        code: 'poetry install --no-root',
        before: 'WORKDIR /app\nCOPY pyproject.toml ./',
        files: poetryProject,
        rule: 'run.poetry.install',
        message: /poetry2nix/,
      },
    ],
    mapped: [{ code: 'uv pip install --system flask', rule: 'run.pip.install' }],
    manual: [
      { code: 'poetry install', before: 'WORKDIR /app', rule: 'run.poetry.install', message: /not copied from the build context/ },
      { code: 'pipenv frobnicate', rule: 'run.pipenv.unknown' },
      { code: 'python -m venv', rule: 'run.python.venv' },
    ],
    ignored: [
      { code: 'poetry config virtualenvs.create false', rule: 'run.poetry.noop' },
      { code: 'uv cache clean', rule: 'run.uv.noop' },
    ],
  },
  { base: 'python:3.12-slim' },
);
