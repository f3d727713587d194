#!/usr/bin/env node
// The `moor` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare).
import { main } from '../dist/cli.mjs';

process.exitCode = await main(process.argv.slice(2));
