import { describe, expect, it } from 'vitest';
import { ArgsError, parseArgs, SCENARIOS } from '../lib/args.js';
import { CookieJar, hiddenField } from '../lib/browser.js';
import { findKnee, nextVus, type RampStep, withinLimits } from '../lib/ramp.js';
import { percentile, Recorder, summarize, table } from '../lib/stats.js';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles of sorted samples', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes unsorted samples without changing them', () => {
    const samples = [30, 10, 20, 40];
    const summary = summarize(samples);
    expect(summary).toMatchObject({ count: 4, mean: 25, p50: 20, p95: 40, p99: 40, max: 40 });
    expect(samples).toEqual([30, 10, 20, 40]);
    expect(summarize([]).count).toBe(0);
  });

  it('counts errors, shed flows and the error rate over attempts', () => {
    const recorder = new Recorder();
    for (let i = 0; i < 98; i++) recorder.flow(10);
    recorder.error('login POST 503 (shed)');
    recorder.error('token HTTP 500');
    recorder.step('token', 3);
    recorder.step('token', 5);
    expect(recorder.errorRate).toBeCloseTo(0.02);
    expect(recorder.steps.get('token')).toEqual([3, 5]);
    expect(Object.fromEntries(recorder.errorKinds)).toEqual({
      'login POST 503 (shed)': 1,
      'token HTTP 500': 1,
    });
    expect(new Recorder().errorRate).toBe(0);
  });

  it('prints aligned tables', () => {
    const text = table(
      ['scenario', 'flows/s'],
      [
        ['login', '85.2'],
        ['refresh', '1500'],
      ],
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('scenario  flows/s');
    expect(lines[2]).toBe('login        85.2');
    expect(lines[3]).toBe('refresh      1500');
  });
});

describe('bench arguments', () => {
  it('has defaults that run every scenario on 10,000 accounts', () => {
    const options = parseArgs([]);
    expect(options).toMatchObject({ duration: 20, accounts: 10_000, ramp: false, vus: undefined });
    expect(options.scenarios).toEqual([...SCENARIOS]);
  });

  it('parses every option, in both --flag value and --flag=value forms', () => {
    const options = parseArgs([
      '--duration',
      '30',
      '--vus=64',
      '--scenario',
      'login,refresh',
      '--accounts',
      '1000000',
      '--ramp',
      '--ramp-step=5',
      '--web-concurrency',
      '2',
      '--label',
      'after prepared statements',
    ]);
    expect(options).toMatchObject({
      duration: 30,
      vus: 64,
      scenarios: ['login', 'refresh'],
      accounts: 1_000_000,
      ramp: true,
      rampStep: 5,
      webConcurrency: 2,
      label: 'after prepared statements',
    });
  });

  it('refuses bad input with a clear message', () => {
    expect(() => parseArgs(['--vus', '0'])).toThrow(ArgsError);
    expect(() => parseArgs(['--vus', 'many'])).toThrow(/--vus expects an integer/);
    expect(() => parseArgs(['--scenario', 'login,logout'])).toThrow(/unknown scenario logout/);
    expect(() => parseArgs(['--duration'])).toThrow(/--duration expects a value/);
    expect(() => parseArgs(['--duration', '-5'])).toThrow(/--duration expects a number of seconds/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseArgs(['--rate', '0'])).toThrow(/--rate expects flows per second/);
  });

  it('takes a fixed arrival rate for the open-loop login step', () => {
    expect(parseArgs([]).rate).toBeUndefined();
    expect(parseArgs(['--rate', '35.5']).rate).toBe(35.5);
    expect(parseArgs(['--rate=40']).rate).toBe(40);
  });
});

describe('bench ramp', () => {
  const step = (vus: number, flowsPerSecond: number, p99: number, errorRate = 0): RampStep => ({
    vus,
    flowsPerSecond,
    p99,
    errorRate,
  });

  it('stops at p99 above 1 s or errors above 1%', () => {
    expect(withinLimits(step(4, 50, 999))).toBe(true);
    expect(withinLimits(step(4, 50, 1001))).toBe(false);
    expect(withinLimits(step(4, 50, 100, 0.011))).toBe(false);
  });

  it('finds the knee: the best throughput before the first step past the limits', () => {
    const steps = [
      step(4, 40, 120),
      step(8, 70, 250),
      step(16, 82, 600),
      step(32, 80, 1400),
      step(64, 95, 900),
    ];
    expect(findKnee(steps)?.vus).toBe(16);
    // a plateau within the limits keeps the higher throughput, not the last step
    expect(findKnee([step(4, 40, 100), step(8, 80, 300), step(16, 79, 700)])?.vus).toBe(8);
    expect(findKnee([step(4, 40, 1500)])).toBeUndefined();
    expect(findKnee([])).toBeUndefined();
  });

  it('raises virtual users geometrically', () => {
    expect([4, 8, 16, 24].map(nextVus)).toEqual([8, 16, 24, 36]);
  });
});

describe('bench browser', () => {
  it('keeps cookies per path, replaces and deletes them', () => {
    const jar = new CookieJar();
    jar.store(['ec_interaction=abc; path=/interaction/uid1; httponly', 'ec_csrf=t1; path=/'], '/auth');
    expect(jar.header('/interaction/uid1/login')).toBe('ec_interaction=abc; ec_csrf=t1');
    expect(jar.header('/interaction/uid2')).toBe('ec_csrf=t1');
    expect(jar.header('/interaction/uid10')).toBe('ec_csrf=t1');
    jar.store('ec_csrf=t2; path=/', '/x');
    expect(jar.header('/')).toBe('ec_csrf=t2');
    jar.store('ec_csrf=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT', '/x');
    expect(jar.header('/')).toBeUndefined();
  });

  it('reads hidden form fields', () => {
    expect(hiddenField('<form><input type="hidden" name="_csrf" value="tok-1"></form>', '_csrf')).toBe(
      'tok-1',
    );
    expect(hiddenField('<form></form>', '_csrf')).toBeUndefined();
  });
});
