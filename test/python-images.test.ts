/**
 * Python images from real-project patterns: virtual environments and pip --user builders, folded builder stages
 * that also copied the app, git dependencies, unmapped packages, and commands the Nix image could not run as
 * written (`uv run`, `poetry run`, `/opt/venv/bin/…`, a bash script, a file nobody places, `npx`).
 */
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import { memoryContext } from '../src/convert/context.js';
import { loadRules } from '../src/io/rules-files.js';
import { shell } from './helpers/shell.js';

function convert(dockerfile: string, files: Record<string, string | null>) {
  const result = convertDockerfile(dockerfile, memoryContext(files), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'test',
    contextFromOutput: '..',
    outputInContext: 'nix',
  });
  const line = (n: number) => result.plan.instructions.find((i) => i.line === n)!;
  return { plan: result.plan, nix: result.files['default.nix'], line };
}

describe('virtual environments', () => {
  const dockerfile = [
    'FROM python:3.12-slim AS builder', // 1
    'WORKDIR /app', // 2
    'RUN python -m venv /opt/venv', // 3
    'ENV PATH="/opt/venv/bin:$PATH"', // 4
    'COPY requirements.txt .', // 5
    'RUN pip install --no-cache-dir -r requirements.txt', // 6
    'COPY app.py .', // 7
    'FROM python:3.12-slim', // 8
    'WORKDIR /app', // 9
    'COPY --from=builder /opt/venv /opt/venv', // 10
    'COPY --from=builder /app .', // 11
    'ENV PATH="/opt/venv/bin:$PATH"', // 12
    'CMD ["/opt/venv/bin/gunicorn", "app:app"]', // 13
  ].join('\n');
  const files = { 'requirements.txt': 'flask\ngunicorn\nsome-unknown-package==1.0\nmylib @ git+https://example.org/mylib.git\n', 'app.py': '' };

  it('recognises the venv and makes its path a link to the Python environment', () => {
    const { plan, nix, line } = convert(dockerfile, files);
    expect(line(3)).toMatchObject({ status: 'approximated', rule: 'run.python.venv' });
    expect(line(3).message).not.toMatch(/no Nix equivalent/);
    expect(plan.image.symlinks).toContainEqual({ path: '/opt/venv', target: { kind: 'python', subpath: '' } });
    expect(nix).toContain('ln -sfn "${python}" \'opt/venv\'');
    expect(plan.image.directories.map((d) => d.path)).not.toContain('/opt/venv');
    expect(plan.image.python?.packages).toEqual(['flask', 'gunicorn']);
    expect(line(10).message).toMatch(/\/opt\/venv is a link to it/);
  });

  it('keeps the app files the folded builder stage had copied', () => {
    const { plan, line } = convert(dockerfile, files);
    const placed = plan.image.files.filter((f) => f.line === 11).map((f) => [f.source.kind === 'context' ? f.source.path : null, f.dest]);
    expect(placed).toEqual([
      ['requirements.txt', '/app/requirements.txt'],
      ['app.py', '/app/app.py'],
    ]);
    expect(line(11).status).toBe('approximated');
  });

  it('lists and marks every package the environment lacks, git dependencies by name', () => {
    const { plan, nix, line } = convert(dockerfile, files);
    expect(line(6).status).toBe('manual');
    expect(plan.image.python?.missing.map((m) => m.name)).toEqual(['mylib', 'some-unknown-package']);
    expect(nix).toMatch(
      /withPackages \(ps: \[\n\s+ps\.flask\n\s+ps\.gunicorn\n\s+# TODO\(dock2nix\): line 6: add mylib here: .*git\+https:\/\/example\.org\/mylib\.git.*\n\s+# TODO\(dock2nix\): line 6: add some-unknown-package here /,
    );
    expect(plan.packages.find((p) => p.name === 'mylib')).toMatchObject({ nix: null, confidence: 'none' });
  });

  it('checks the command that runs the venv program', () => {
    const { line } = convert(dockerfile, files);
    expect(line(13).status).toBe('approximated');
    expect(line(13).message).toMatch(/link to the Python environment/);
  });

  it('links the user site of pip install --user', () => {
    const { plan, line } = convert(
      'FROM python:3.12-slim AS builder\nWORKDIR /build\nCOPY requirements.txt .\nRUN pip install --user -r requirements.txt\nFROM python:3.12-slim\nCOPY --from=builder /root/.local /root/.local\nENV PATH=/root/.local/bin:$PATH\nCMD ["uvicorn", "app:app"]\n',
      { 'requirements.txt': 'uvicorn\n' },
    );
    expect(plan.image.symlinks).toContainEqual({ path: '/root/.local', target: { kind: 'python', subpath: '' } });
    expect(plan.image.python?.packages).toEqual(['uvicorn']);
    expect(line(6).message).toMatch(/user site \/root\/\.local/);
  });

  it('says a copy from a pip stage with nothing there needs manual work', () => {
    const { line } = convert('FROM python:3.12 AS b\nRUN pip install flask\nFROM python:3.12\nCOPY --from=b /srv/data /data\n', {});
    expect(line(4).status).toBe('manual');
    expect(line(4).message).toMatch(/does not know what it has at \/srv\/data/);
  });
});

describe('project tools', () => {
  const pyproject = [
    '[tool.poetry]',
    'name = "svc"',
    '[tool.poetry.dependencies]',
    'python = "^3.12"',
    'flask = "^3.0"',
    'vpnlib = { git = "https://example.org/vpnlib" }',
    '[tool.poetry.group.dev.dependencies]',
    'pytest = "^8"',
  ].join('\n');

  it('marks a poetry git dependency, and leaves the dev group out with --only main', () => {
    const { plan, nix, line } = convert(
      'FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN poetry install --only main\nCMD ["poetry", "run", "flask", "run"]\n',
      { 'pyproject.toml': pyproject },
    );
    expect(line(4).status).toBe('manual');
    expect(line(4).message).toMatch(/vpnlib from git https:\/\/example\.org\/vpnlib/);
    expect(plan.image.python?.packages).toEqual(['flask']);
    expect(nix).toMatch(/# TODO\(dock2nix\): line 4: add vpnlib here: a poetry dependency from git/);
    expect(plan.image.config.Cmd).toEqual(['flask', 'run']);
    expect(line(5)).toMatchObject({ status: 'approximated' });
    expect(line(5).message).toMatch(/the image has no poetry/);
  });

  it('installs the dev group by default, as poetry does', () => {
    const { plan } = convert('FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN poetry install\n', { 'pyproject.toml': pyproject });
    expect(plan.image.python?.packages).toEqual(['flask', 'pytest']);
  });

  it('rewrites uv run python to the environment interpreter, and pipenv run in shell form', () => {
    const uv = convert('FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen\nCMD ["uv", "run", "--frozen", "python", "app.py"]\n', {
      'pyproject.toml': '[project]\nname = "x"\ndependencies = ["flask"]\n',
      'uv.lock': '',
      'app.py': '',
    });
    expect(uv.plan.image.config.Cmd).toEqual(['python', 'app.py']);
    expect(uv.line(5).message).toMatch(/interpreter/);
    const pipenv = convert('FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pipenv install --system\nCMD pipenv run gunicorn app:app\n', {
      Pipfile: '[packages]\ngunicorn = "*"\n',
    });
    expect(pipenv.plan.image.config.Cmd).toEqual(['/bin/sh', '-c', 'gunicorn app:app']);
    expect(pipenv.line(5).status).toBe('approximated');
  });
});

describe('entry points', () => {
  it('adds bash for a #!/bin/bash entry script', () => {
    const { plan, line } = convert('FROM python:3.12\nWORKDIR /app\nCOPY entrypoint.sh .\nENTRYPOINT ["./entrypoint.sh"]\n', {
      'entrypoint.sh': '#!/bin/bash\nexec gunicorn app:app\n',
    });
    expect(plan.image.contents).toContain('bashInteractive');
    expect(line(4)).toMatchObject({ status: 'approximated' });
    expect(line(4).message).toMatch(/#!\/bin\/bash: the image gets bashInteractive/);
  });

  it('says manual when the entry point is a file nothing places', () => {
    const { line } = convert('FROM python:3.12\nWORKDIR /app\nCOPY app.py .\nCMD ["/app/start.sh"]\n', { 'app.py': '' });
    expect(line(4).status).toBe('manual');
    expect(line(4).message).toMatch(/nothing places \/app\/start\.sh/);
  });

  it('checks the script python runs', () => {
    const { line } = convert('FROM python:3.12\nWORKDIR /app\nCOPY app.py .\nCMD ["python", "main.py"]\n', { 'app.py': '' });
    expect(line(4).status).toBe('manual');
    const ok = convert('FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD ["python", "app.py"]\n', { 'app.py': '' });
    expect(ok.line(4).status).toBe('mapped');
  });

  it('links a Debian Python path to the environment', () => {
    const { plan, line } = convert('FROM python:3.12\nCOPY app.py /app.py\nCMD ["/usr/local/bin/python", "/app.py"]\n', { 'app.py': '' });
    expect(plan.image.symlinks).toContainEqual({ path: '/usr/local/bin/python', target: { kind: 'python', subpath: '/bin/python' } });
    expect(line(3).status).toBe('approximated');
  });

  it('npx: manual unless the tool is a dependency of the app', () => {
    const unknown = convert('FROM node:22-alpine\nWORKDIR /app\nCOPY package.json .\nCMD ["npx", "serve", "dist"]\n', {
      'package.json': '{"dependencies":{}}',
    });
    expect(unknown.line(4).status).toBe('manual');
    expect(unknown.line(4).message).toMatch(/npx would download it/);
    const known = convert('FROM node:22-alpine\nWORKDIR /app\nCOPY package.json .\nCMD ["npx", "serve", "dist"]\n', {
      'package.json': '{"dependencies":{"serve":"^14"}}',
    });
    expect(known.line(4).status).toBe('approximated');
  });
});
