import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from './paths.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts');

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** Real Chromium from the Debian package (`.ci/run` installs it), headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core inside the page. Evaluated through the DevTools protocol rather than a <script>
 * tag, so the pages' CSP (no inline script) stays in force during the tests.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const hasAxe = await page.evaluate(() => 'axe' in window);
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected above
    const axe = (window as any).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations as AxeViolation[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
}

/**
 * A person's walk through the pages: at each step a full-page screenshot in test-artifacts/ and an
 * axe check (no serious or critical violation).
 */
export class Journey {
  private count = 0;
  readonly pagesChecked: string[] = [];

  constructor(
    readonly page: Page,
    private readonly directory: string,
  ) {
    mkdirSync(join(ARTIFACTS, directory), { recursive: true });
  }

  async step(name: string): Promise<void> {
    this.count += 1;
    const file = join(ARTIFACTS, this.directory, `${String(this.count).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    const violations = await seriousViolations(this.page);
    this.pagesChecked.push(name);
    expect(violations, `accessibility of ${name} (${this.page.url()})`).toEqual([]);
  }
}
