#!/usr/bin/env node
// `educonnect` command: runs the TypeScript sources through tsx in a checkout, the compiled
// JavaScript in the Docker image (which ships dist/ and no src/).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const args = existsSync(source)
  ? ['--import', 'tsx', source, ...process.argv.slice(2)]
  : [join(root, 'dist', 'src', 'cli', 'main.js'), ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
