/** Ruby's truth table: bundle install into bundlerEnv, its groups, the gemset.nix side file, the image's Ruby. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDockerfile } from '../../src/convert/convert.js';
import { memoryContext } from '../../src/convert/context.js';
import type { MigrationPlan } from '../../src/convert/types.js';
import { gemfileGroups } from '../../src/ecosystems/ruby/build.js';
import { fsContext } from '../../src/io/fs-context.js';
import { loadRules } from '../../src/io/rules-files.js';
import { projectsDir } from '../helpers/projects.js';
import { runTester } from '../helpers/run-tester.js';
import { shell } from '../helpers/shell.js';

const gemfile = `source "https://rubygems.org"
gem "sinatra"
gem "puma", group: :production
group :development, :test do
  gem "rspec"
end
group :tools, optional: true do
  gem "rubocop"
end
`;
const files = { Gemfile: gemfile, 'Gemfile.lock': 'GEM\n  remote: https://rubygems.org/\n  specs:\n    sinatra (4.0.0)\n', 'app.rb': '' };
const bundlerBuild = (plan: MigrationPlan) => {
  const build = plan.derivations.map((d) => d.build).find((b) => b.kind === 'bundler');
  expect(build, 'a bundlerEnv derivation').toBeDefined();
  return build as Extract<typeof build, { kind: 'bundler' }>;
};

runTester(
  'ruby',
  {
    mapped: [
      {
        code: 'bundle install',
        rule: 'run.bundler.install',
        message: /bundlerEnv.*gemset\.nix.*bundix/,
        check: (plan) =>
          expect(bundlerBuild(plan)).toEqual({
            kind: 'bundler',
            ruby: 'ruby_3_3',
            gemfile: 'Gemfile',
            lockfile: 'Gemfile.lock',
            gemset: 'gemset.nix',
            groups: null,
            inImage: true,
            line: 4,
          }),
      },
      {
        code: "bundle config set --local without 'development test' && bundle install --jobs 4 --retry 3",
        check: (plan) => expect(bundlerBuild(plan).groups).toEqual(['default', 'production', 'tools']),
      },
      { code: 'bundle install --without development:test:tools', check: (plan) => expect(bundlerBuild(plan).groups).toEqual(['default', 'production']) },
      {
        code: 'BUNDLE_WITHOUT=development bundle install',
        check: (plan) => expect(bundlerBuild(plan).groups).toEqual(['default', 'production', 'test', 'tools']),
      },
      {
        code: 'bundle install',
        before: 'ENV BUNDLE_WITHOUT="development test"',
        check: (plan) => expect(bundlerBuild(plan).groups).toEqual(['default', 'production', 'tools']),
      },
      { code: 'bundle config without development', rule: 'run.bundler.config' },
      {
        code: 'bundle install',
        base: 'ruby:3.4-slim',
        check: (plan) => {
          expect(bundlerBuild(plan).ruby).toBe('ruby_3_4');
          // The gems' wrapped Ruby is the image's Ruby: no second ruby in the contents.
          expect(plan.image.contents).not.toContain('ruby_3_4');
        },
      },
    ],
    approximated: [{ code: 'gem install bundler -v 2.4.22', rule: 'run.gem.bundler', message: /nixpkgs' bundler/ }],
    manual: [
      { code: 'bundle exec rake assets:precompile', rule: 'run.bundler.exec' },
      { code: 'bundle config build.nokogiri --use-system-libraries', rule: 'run.bundler.build-config' },
      { code: 'bundle install --with tools', rule: 'run.bundler.with' },
      { code: 'gem install rails', rule: 'run.gem.install' },
      { code: 'bundle install', before: 'WORKDIR /srv\nCOPY Gemfile ./', rule: 'run.bundler.install', message: /no Gemfile\.lock/ },
      { code: 'bundle outdated', rule: 'run.bundler.unknown' },
    ],
    ignored: [
      { code: 'bundle config --global frozen 1', rule: 'run.bundler.config' },
      { code: 'bundle config set --local deployment true', rule: 'run.bundler.config' },
      { code: 'bundle check', rule: 'run.bundler.noop' },
      { code: 'gem install bundler', rule: 'run.gem.bundler' },
      { code: 'gem update --system', rule: 'run.gem.system' },
    ],
  },
  { base: 'ruby:3.3.4-alpine3.20', before: 'WORKDIR /app\nCOPY Gemfile Gemfile.lock ./', files },
);

function convert(dockerfile: string, context: Record<string, string | null> = files, format?: 'nix2container') {
  return convertDockerfile(dockerfile, memoryContext(context), loadRules(), {
    shell,
    dockerfilePath: 'Dockerfile',
    imageName: 'web',
    contextFromOutput: '..',
    outputInContext: 'nix',
    ...(format ? { format } : {}),
  });
}

const single = (base: string, cmd = '["bundle", "exec", "rackup", "-o", "0.0.0.0"]') => `FROM ${base}
WORKDIR /app
COPY Gemfile Gemfile.lock ./
RUN bundle install
COPY . .
CMD ${cmd}
`;

describe('ruby: the image and its files', () => {
  it("puts the gems' programs and their wrapped Ruby in the image, the gems first", () => {
    const { plan, files: out } = convert(single('ruby:3.3'));
    expect(plan.instructions.filter((i) => i.status !== 'mapped')).toEqual([]);
    expect(out['default.nix']).toMatch(/(contents|imagePackages) = \[[^\]]*\(lib\.hiPrio app\)\s+app\.wrappedRuby/);
    expect(out['default.nix']).toContain('app = pkgs.bundlerEnv {');
    expect(out['default.nix']).toContain('gemfile = context + "/Gemfile";');
    expect(out['default.nix']).toContain('ruby = pkgs.ruby_3_3;');
    expect(plan.image.config.Cmd).toEqual(['bundle', 'exec', 'rackup', '-o', '0.0.0.0']);
  });

  it('writes gemset.nix as a side file and marks the bundix step on gemset', () => {
    const { files: out } = convert(single('ruby:3.3'));
    expect(Object.keys(out.extra)).toEqual(['gemset.nix']);
    expect(out.extra['gemset.nix']).toMatch(/^# .*bundix.*\n\{ \}\n$/);
    expect(out['default.nix']).toContain('gemset = ./gemset.nix;');
    expect(out['default.nix']).toMatch(/# TODO\(dock2nix\): line 4: in this folder, run bundix .*--gemset=gemset\.nix/);
  });

  it('gives nix2container the same contents (buildEnv: the priority settles the shared bundle program)', () => {
    const { files: out } = convert(single('ruby:3.3'), files, 'nix2container');
    expect(out['default.nix']).toMatch(/imagePackages = \[[^\]]*\(lib\.hiPrio app\)\s+app\.wrappedRuby/);
    expect(out['default.nix']).toContain('paths = imagePackages;');
  });

  it('takes the nearest Ruby for a tag nixpkgs dropped, naming both versions', () => {
    const { plan } = convert(single('ruby:3.2-slim'));
    const from = plan.instructions.find((i) => i.line === 1)!;
    expect(from.status).toBe('approximated');
    expect(from.message).toMatch(/ruby 3\.2 is not in nixpkgs; using 3\.3/);
    expect(bundlerBuild(plan).ruby).toBe('ruby_3_3');
  });

  it("replaces a distribution's Ruby by the gems' wrapped Ruby, so the two do not collide", () => {
    const { plan, files: out } = convert(
      single('debian:bookworm').replace('RUN bundle install', 'RUN apt-get update && apt-get install -y ruby\nRUN bundle install'),
    );
    expect(plan.packages.find((p) => p.name === 'ruby')?.nix).toBe('ruby');
    expect(plan.image.contents.filter((a) => /^ruby/.test(a))).toEqual([]);
    expect(plan.derivations[0]!.build).toMatchObject({ kind: 'bundler', ruby: 'ruby' });
    expect(out['default.nix']).toContain('app.wrappedRuby');
  });

  it('puts the plain Ruby in an image without a bundle', () => {
    const { plan } = convert('FROM ruby:3.4-alpine\nCOPY app.rb /app.rb\nCMD ["ruby", "/app.rb"]\n');
    expect(plan.image.contents).toContain('ruby_3_4');
    expect(plan.derivations).toEqual([]);
  });

  it('says gems installed in a build stage and copied elsewhere are manual', () => {
    const { plan } = convert(`FROM ruby:3.3 AS gems
WORKDIR /app
COPY Gemfile Gemfile.lock ./
RUN bundle install
FROM ruby:3.3-slim
COPY --from=gems /usr/local/bundle /usr/local/bundle
`);
    expect(plan.instructions.find((i) => i.line === 4)).toMatchObject({ status: 'manual' });
  });

  it('reads the groups a Gemfile names', () => {
    expect(gemfileGroups(gemfile)).toEqual(['production', 'development', 'test', 'tools']);
    expect(gemfileGroups('group(:assets) do\nend\ngem "x", groups: [:a, "b"] # group :c do\n')).toEqual(['assets', 'a', 'b']);
  });
});

describe.skipIf(!existsSync(path.join(projectsDir, 'myappscode__very-simple-sinatra')))('ruby: the corpus project myappscode/very-simple-sinatra', () => {
  it('converts bundle install; only the secret mount stays manual (the build-time echo is placed), and the secret never reaches the store', () => {
    const dir = path.join(projectsDir, 'myappscode__very-simple-sinatra');
    const { plan, files: out } = convertDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), fsContext(dir), loadRules(), {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'very-simple-sinatra',
      contextFromOutput: dir,
      outputInContext: null,
    });
    expect(plan.instructions.filter((i) => i.status === 'manual').map((i) => i.line)).toEqual([8]);
    expect(plan.instructions.find((i) => i.line === 6)).toMatchObject({ status: 'mapped', rule: 'run.bundler.install' });
    expect(bundlerBuild(plan)).toMatchObject({ ruby: 'ruby_3_3', gemfile: 'Gemfile', lockfile: 'Gemfile.lock', groups: null });
    // The secret mount's file is never placed: it appears only in the comments that mark the line.
    const code = out['default.nix'].split('\n').filter((l) => !l.trim().startsWith('#'));
    expect(code.join('\n')).not.toMatch(/secrets|secret\.txt/);
    expect(out.extra).toHaveProperty(['gemset.nix']);
  });
});
