#!/usr/bin/env node
// Launches the TypeScript CLI through tsx so that `npx educonnect ...` works right after `npm install`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
const { existsSync } = await import('node:fs');
const args = existsSync(compiled)
  ? [compiled, ...process.argv.slice(2)]
  : ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
