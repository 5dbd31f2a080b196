import { UnexpectedResponse, VirtualBrowser } from './browser.js';
import { AdmittedFailure, ShedError } from './flows.js';
import { peakRssSampler, postgresCpuSince, postgresCpuSnapshot, treeCpuMs } from './proc.js';
import { type LatencySummary, Recorder, summarize } from './stats.js';

export interface LoadOptions {
  origin: string;
  vus: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Server process to measure (CPU of it and its descendants, peak RSS). */
  serverPid: number;
  /** Also measure PostgreSQL's CPU (the database runs on this machine). */
  measurePostgres: boolean;
  /** Per virtual user: prepares its state (not measured), then runs one flow per call. */
  prepare?: (vu: number, browser: VirtualBrowser) => Promise<void>;
  flow: (vu: number, browser: VirtualBrowser, recorder: Recorder) => Promise<void>;
  /**
   * Open loop: start this many flows per second at fixed intervals, whatever the latency (each on a
   * free virtual browser, a new one when all are busy), instead of `vus` closed-loop users. Latency
   * then includes any queueing at the server, as real arrivals would see it.
   */
  arrivalsPerSecond?: number;
}

export interface LoadResult {
  vus: number;
  durationSeconds: number;
  flows: number;
  flowsPerSecond: number;
  flow: LatencySummary;
  steps: Record<string, LatencySummary>;
  serverCpuMsPerFlow: number;
  postgresCpuMsPerFlow: number | undefined;
  /** CPU of the load generator itself (same machine): it competes with the server for the cores. */
  clientCpuMsPerFlow: number;
  peakRssMb: number;
  errors: number;
  errorRate: number;
  errorKinds: Record<string, number>;
  shed: number;
  admittedFailures: number;
  /** Open loop only: the arrival rate (flows started per second); `vus` is then the peak in flight. */
  arrivalsPerSecond?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorKind(error: unknown): string {
  if (error instanceof AdmittedFailure) return `admitted: ${errorKind(error.cause)}`;
  if (error instanceof UnexpectedResponse) return `${error.step} HTTP ${error.response.status}`;
  return (error as Error).message?.slice(0, 80) ?? String(error);
}

/** Runs one flow and records its outcome: latency when it completes, shed or error kind otherwise. */
async function runFlow(
  flow: () => Promise<void>,
  recorder: Recorder,
): Promise<{ completedAt?: number; shed?: boolean }> {
  const start = performance.now();
  try {
    await flow();
    const end = performance.now();
    recorder.flow(end - start);
    return { completedAt: end };
  } catch (error) {
    if (error instanceof ShedError) {
      recorder.shed++;
      recorder.error(`${error.step} 503 (shed)`);
      return { shed: true };
    }
    if (error instanceof AdmittedFailure) recorder.admittedFailures++;
    recorder.error(errorKind(error));
    return {};
  }
}

interface MeasuredWindow {
  elapsed: number;
  cpu: number;
  pg: number | undefined;
  clientUsage: NodeJS.CpuUsage;
  /** Peak RSS sampler of the server, started with the window; stop it once the load is drained. */
  rss: ReturnType<typeof peakRssSampler>;
}

/** Warm-up, then one measured window: `begin` switches the load to the measured recorder. */
async function measureWindow(
  options: LoadOptions,
  begin: (windowEnd: number) => void,
): Promise<MeasuredWindow> {
  await sleep(options.warmupSeconds * 1000);
  const rss = peakRssSampler(options.serverPid);
  const cpuStart = treeCpuMs(options.serverPid);
  const pgStart = options.measurePostgres ? postgresCpuSnapshot() : undefined;
  const clientStart = process.cpuUsage();
  const windowStart = performance.now();
  begin(windowStart + options.durationSeconds * 1000);
  await sleep(options.durationSeconds * 1000);
  return {
    elapsed: (performance.now() - windowStart) / 1000,
    cpu: treeCpuMs(options.serverPid) - cpuStart,
    pg: pgStart ? postgresCpuSince(pgStart) : undefined,
    clientUsage: process.cpuUsage(clientStart),
    rss,
  };
}

function loadResult(
  vus: number,
  window: MeasuredWindow,
  peakRss: number,
  measured: Recorder,
  completed: number,
): LoadResult {
  const flows = Math.max(1, completed);
  const { elapsed, cpu, pg, clientUsage } = window;
  return {
    vus,
    durationSeconds: elapsed,
    flows: completed,
    flowsPerSecond: completed / elapsed,
    flow: summarize(measured.flows),
    steps: Object.fromEntries([...measured.steps].map(([name, samples]) => [name, summarize(samples)])),
    serverCpuMsPerFlow: cpu / flows,
    postgresCpuMsPerFlow: pg === undefined ? undefined : pg / flows,
    clientCpuMsPerFlow: (clientUsage.user + clientUsage.system) / 1000 / flows,
    peakRssMb: peakRss / 1024 / 1024,
    errors: measured.errors,
    errorRate: measured.errorRate,
    errorKinds: Object.fromEntries(measured.errorKinds),
    shed: measured.shed,
    admittedFailures: measured.admittedFailures,
  };
}

/** Closed loop: each virtual user runs flows back to back over its own keep-alive connection. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.arrivalsPerSecond) return runOpenLoop(options, options.arrivalsPerSecond);
  const browsers = Array.from({ length: options.vus }, () => new VirtualBrowser(options.origin));
  await Promise.all(browsers.map((browser, vu) => options.prepare?.(vu, browser)));

  const warmup = new Recorder();
  const measured = new Recorder();
  let recorder = warmup;
  let stopping = false;
  let completedInWindow = 0;
  let windowEnd = Number.POSITIVE_INFINITY;

  const loops = browsers.map(async (browser, vu) => {
    while (!stopping) {
      const current = recorder;
      const outcome = await runFlow(() => options.flow(vu, browser, current), current);
      if (outcome.completedAt !== undefined && current === measured && outcome.completedAt <= windowEnd) {
        completedInWindow++;
      }
      // A person waits before retrying (Retry-After says 5 s); after an error, a short pause.
      if (outcome.shed) await sleep(500);
      else if (outcome.completedAt === undefined) await sleep(50);
    }
  });

  const window = await measureWindow(options, (end) => {
    windowEnd = end;
    recorder = measured;
  });
  stopping = true;
  await Promise.all(loops);
  const peakRss = window.rss.stop();
  await Promise.all(browsers.map((b) => b.close()));

  return loadResult(options.vus, window, peakRss, measured, completedInWindow);
}

/** Most flows in flight in open-loop mode; an arrival beyond it is counted as an error. */
export const MAX_IN_FLIGHT = 2048;

/** Open loop at a fixed arrival rate (see LoadOptions.arrivalsPerSecond). */
async function runOpenLoop(options: LoadOptions, rate: number): Promise<LoadResult> {
  const idle: VirtualBrowser[] = [];
  const all: VirtualBrowser[] = [];
  const warmup = new Recorder();
  const measured = new Recorder();
  let recorder = warmup;
  let completedInWindow = 0;
  let windowEnd = Number.POSITIVE_INFINITY;
  let inFlight = 0;
  let peakInFlight = 0;
  const running = new Set<Promise<void>>();

  const arrive = () => {
    const current = recorder;
    if (inFlight >= MAX_IN_FLIGHT) {
      current.error(`more than ${MAX_IN_FLIGHT} flows in flight`);
      return;
    }
    let browser = idle.pop();
    if (!browser) {
      browser = new VirtualBrowser(options.origin);
      all.push(browser);
    }
    const b = browser;
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    const run = (async () => {
      const outcome = await runFlow(() => options.flow(all.indexOf(b), b, current), current);
      if (outcome.completedAt !== undefined && current === measured && outcome.completedAt <= windowEnd) {
        completedInWindow++;
      }
      inFlight--;
      idle.push(b);
    })();
    running.add(run);
    void run.then(() => running.delete(run));
  };

  // fixed intervals, scheduled against the clock so that timer lateness does not lower the rate
  const interval = 1000 / rate;
  const began = performance.now();
  let sent = 0;
  let stopping = false;
  const scheduler = (async () => {
    while (!stopping) {
      const due = began + sent * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopping) break;
      sent++;
      arrive();
    }
  })();

  const window = await measureWindow(options, (end) => {
    windowEnd = end;
    recorder = measured;
  });
  stopping = true;
  await scheduler;
  await Promise.all(running);
  const peakRss = window.rss.stop();
  await Promise.all(all.map((b) => b.close()));

  return {
    ...loadResult(peakInFlight, window, peakRss, measured, completedInWindow),
    arrivalsPerSecond: rate,
  };
}
