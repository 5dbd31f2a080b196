import { UnexpectedResponse, VirtualBrowser } from './browser.js';
import { AdmittedFailure, ShedError } from './flows.js';
import { peakRssSampler, postgresCpuMs, treeCpuMs } from './proc.js';
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
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorKind(error: unknown): string {
  if (error instanceof AdmittedFailure) return `admitted: ${errorKind(error.cause)}`;
  if (error instanceof UnexpectedResponse) return `${error.step} HTTP ${error.response.status}`;
  return (error as Error).message?.slice(0, 80) ?? String(error);
}

/** Closed loop: each virtual user runs flows back to back over its own keep-alive connection. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const browsers = Array.from({ length: options.vus }, () => new VirtualBrowser(options.origin));
  const setupRecorder = new Recorder();
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
      const start = performance.now();
      try {
        await options.flow(vu, browser, current);
        const end = performance.now();
        current.flow(end - start);
        if (current === measured && end <= windowEnd) completedInWindow++;
      } catch (error) {
        if (error instanceof ShedError) {
          current.shed++;
          current.error(`${error.step} 503 (shed)`);
          await sleep(500); // a person waits before retrying; Retry-After says 5 s
        } else {
          if (error instanceof AdmittedFailure) current.admittedFailures++;
          current.error(errorKind(error));
          await sleep(50);
        }
      }
    }
  });

  await sleep(options.warmupSeconds * 1000);
  const rss = peakRssSampler(options.serverPid);
  const cpuStart = treeCpuMs(options.serverPid);
  const pgStart = options.measurePostgres ? postgresCpuMs() : 0;
  const clientStart = process.cpuUsage();
  const windowStart = performance.now();
  windowEnd = windowStart + options.durationSeconds * 1000;
  recorder = measured;
  await sleep(options.durationSeconds * 1000);
  const elapsed = (performance.now() - windowStart) / 1000;
  const cpu = treeCpuMs(options.serverPid) - cpuStart;
  const pg = options.measurePostgres ? postgresCpuMs() - pgStart : undefined;
  const clientUsage = process.cpuUsage(clientStart);
  stopping = true;
  await Promise.all(loops);
  const peakRss = rss.stop();
  await Promise.all(browsers.map((b) => b.close()));
  void setupRecorder;

  const flows = Math.max(1, completedInWindow);
  return {
    vus: options.vus,
    durationSeconds: elapsed,
    flows: completedInWindow,
    flowsPerSecond: completedInWindow / elapsed,
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
