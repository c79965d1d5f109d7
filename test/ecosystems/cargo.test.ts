/** Cargo's truth table: buildRustPackage steps, crates.io installs, the placeholder-crate trick. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

const files = { 'Cargo.toml': '[package]\nname = "app"\nversion = "0.2.0"\n', 'Cargo.lock': 'version = 3\n', 'src/main.rs': 'fn main() {}\n' };

runTester(
  'cargo',
  {
    mapped: [
      {
        code: 'cargo build --release',
        rule: 'run.cargo.build',
        check: (plan) => expect(plan.derivations.some((d) => d.build.kind === 'rust' && d.pname === 'app')).toBe(true),
      },
      { code: 'cargo install --path .', rule: 'run.cargo.build' },
      { code: 'cargo build --release --locked --bin app', rule: 'run.cargo.build' },
      {
        // cargo-chef's image is a Rust toolchain: its stage builds with buildRustPackage, and its FROM is mapped.
        code: 'cargo build --release',
        base: 'lukemathwalker/cargo-chef:latest-rust-1',
        check: (plan) => {
          expect(plan.instructions.find((i) => i.keyword === 'FROM')).toMatchObject({ status: 'mapped' });
          expect(plan.derivations.map((d) => d.build.kind)).toEqual(['rust']);
        },
      },
    ],
    manual: [
      { code: 'cargo install ripgrep', rule: 'run.cargo.install-crate' },
      { code: 'cargo frobnicate', rule: 'run.cargo.unknown' },
    ],
    ignored: [
      { code: 'cargo install cargo-chef', rule: 'run.cargo.tool' },
      { code: 'cargo chef cook --release --recipe-path recipe.json', rule: 'run.cargo.chef' },
      { code: 'cargo fetch', rule: 'run.cargo.fetch' },
      { code: 'cargo test --release', rule: 'run.cargo.check' },
      { code: 'cargo new --bin dummy', rule: 'run.cargo.dummy' },
      { code: 'cargo --version', rule: 'run.version-check' },
    ],
  },
  { base: 'rust:1.80', before: 'WORKDIR /app\nCOPY . .', files },
);
