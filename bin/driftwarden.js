#!/usr/bin/env node
'use strict';
// The CLI is compiled to dist/ by `npm run build` (run automatically by `npm ci` through `prepare`).
let main;
try {
  main = require('../dist/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    console.error('driftwarden: the CLI is not built yet. Run `npm run build` in the driftwarden folder, then try again.');
    process.exit(70);
  }
  throw err;
}
main.runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
