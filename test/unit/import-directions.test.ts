import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';

/**
 * The directions the layout depends on, read from the sources' imports (TypeScript's own scanner,
 * type-only imports included): a newcomer's change that breaks one fails here, not in review.
 */
interface Import {
  /** Importing file, from the repository root (`src/flows/login/routes.ts`). */
  from: string;
  /** A repository path for a relative import (`src/http/form.ts`), else the package name. */
  to: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(join(ROOT, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mjs)$/.test(entry.name) ? [path] : [];
  });
}

const files = [...sourceFiles('src'), ...sourceFiles('views')];
const known = new Set(files);

/** A relative import as the file it names (`./form.js` is `form.ts` or `form.tsx`); a package by name. */
function resolveImport(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) {
    const [scope, name] = specifier.split('/');
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
  }
  const target = relative(ROOT, resolve(ROOT, dirname(from), specifier));
  const source = target.replace(/\.js$/, '');
  return [`${source}.ts`, `${source}.tsx`].find((candidate) => known.has(candidate)) ?? target;
}

const imports: Import[] = files.flatMap((from) =>
  ts
    .preProcessFile(readFileSync(join(ROOT, from), 'utf8'), true, true)
    .importedFiles.map((file) => ({ from, to: resolveImport(from, file.fileName) })),
);

const under = (path: string, ...folders: string[]) => folders.some((folder) => path.startsWith(folder));
const isKoa = (to: string) => to === 'koa' || to.startsWith('@koa/') || to.startsWith('koa-');
const show = (list: Import[]) => list.map(({ from, to }) => `${from} -> ${to}`);

describe('import directions', () => {
  it('reads the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(80);
    expect(imports).toContainEqual({ from: 'src/compose.ts', to: 'src/flows/login/routes.ts' });
    expect(imports).toContainEqual({ from: 'views/login/login.tsx', to: 'views/ui/layout.tsx' });
    expect(
      imports
        .filter(({ to }) => to.startsWith('src/') || to.startsWith('views/'))
        .every(({ to }) => known.has(to)),
    ).toBe(true);
  });

  it('keeps the domain free of Koa, flows and views', () => {
    const wrong = imports.filter(
      ({ from, to }) =>
        under(from, 'src/domain/') && (isKoa(to) || under(to, 'src/flows/', 'src/http/', 'views/')),
    );
    expect(show(wrong)).toEqual([]);
  });

  it('keeps views pure: they import only views and preact', () => {
    const wrong = imports.filter(
      ({ from, to }) =>
        under(from, 'views/') && !under(to, 'views/') && to !== 'preact' && to !== 'preact-render-to-string',
    );
    expect(show(wrong)).toEqual([]);
  });

  it('keeps the HTTP helpers free of flows: flows register what they need', () => {
    const wrong = imports.filter(
      ({ from, to }) =>
        under(from, 'src/http/') &&
        (under(to, 'src/flows/', 'src/compose.ts') || (under(to, 'views/') && !under(to, 'views/ui/'))),
    );
    expect(show(wrong)).toEqual([]);
  });

  it('keeps the demo ENT apart from the IdP: only the HTTP helpers and its own views', () => {
    // The entry of `npm run start:ent` borrows the IdP's development configuration (same DATA_DIR).
    const borrowed = { from: 'src/ent/main.ts', to: 'src/demo/ent.ts' };
    const wrong = imports.filter(
      ({ from, to }) =>
        under(from, 'src/ent/') &&
        (to.startsWith('src/') || to.startsWith('views/')) &&
        !under(to, 'src/ent/', 'src/http/', 'views/ent/', 'views/ui/') &&
        !(from === borrowed.from && to === borrowed.to),
    );
    expect(show(wrong)).toEqual([]);
  });

  it('lets only the composition root and the flows themselves import a flow', () => {
    const wrong = imports.filter(
      ({ from, to }) => under(to, 'src/flows/') && !under(from, 'src/flows/', 'src/compose.ts'),
    );
    expect(show(wrong)).toEqual([]);
  });
});
