/** Go's truth table: buildGoModule steps, remote installs, make targets in a Go stage. */
import { expect } from 'vitest';
import { runTester } from '../helpers/run-tester.js';

const files = {
  'go.mod': 'module example.com/app\n\ngo 1.22\n',
  'main.go': 'package main\n',
  Makefile: 'build:\n\tgo build -o bin/app .\n',
  'odd/Makefile': 'build:\n\t$(shell date)\n',
};

runTester(
  'go',
  {
    mapped: [
      { code: 'go build -o /out/app .', rule: 'run.go.build', check: (plan) => expect(plan.derivations.some((d) => d.build.kind === 'go')).toBe(true) },
      { code: 'CGO_ENABLED=0 go build -ldflags="-s -w" -o /out/app ./', message: /CGO_ENABLED = 0/ },
      { code: 'env CGO_ENABLED=0 go build -o /out/app .', message: /CGO_ENABLED = 0/ },
      'go install .',
    ],
    approximated: [
      { code: 'make build', rule: 'run.make.go', message: /becomes buildGoModule's build/ },
      { code: 'go generate ./...', rule: 'run.go.generate' },
    ],
    manual: [
      { code: 'go install github.com/x/tool@v1.2.3', rule: 'run.go.install-remote' },
      { code: 'go install golang.org/x/tools/cmd/goimports@latest', rule: 'run.go.install-remote' },
      { code: 'go get github.com/x/y', rule: 'run.go.get' },
      { code: 'make -C odd build', rule: 'run.make.go' },
      { code: 'go frobnicate', rule: 'run.go.unknown' },
    ],
    ignored: [
      { code: 'go mod download', rule: 'run.go.mod' },
      { code: 'go mod verify', rule: 'run.go.mod' },
      { code: 'go test ./...', rule: 'run.go.check' },
      { code: 'go version', rule: 'run.version-check' },
    ],
  },
  { base: 'golang:1.22', before: 'WORKDIR /src\nCOPY . .', files },
);
