import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Context, Middleware } from 'koa';
import { renderOverloaded } from './errors.js';

/**
 * Admission control at the entrance of a flow. Under overload the event loop fills up with page
 * requests long before a login POST reaches the bounded hash queue, so latency explodes for everyone.
 * Here new flows are refused up front with the French 503 page and `Retry-After` while the process is
 * overloaded (hash queue full, or event-loop delay above a threshold), and the requests of flows
 * already admitted (login POST, resume `/auth/:uid`, `/token`, `/me`...) always go through. Signals:
 * the hash queue is full, more requests in progress than `maxInFlight` (a burst), or the mean
 * event-loop delay of the last window above `maxEventLoopDelayMs` (sustained saturation).
 */
export interface AdmissionOptions {
  /** Mean event-loop delay (ms) over the last window above which new flows are refused; 0 disables. */
  maxEventLoopDelayMs: number;
  /**
   * Requests being processed by this process above which new flows are refused; 0 disables. Reacts at
   * once to a burst, where the event-loop delay only shows it at the end of its window.
   */
  maxInFlight: number;
  /** True while the password-hash queue is full (login POSTs would be shed anyway). */
  hashQueueFull: () => boolean;
  /** The requests that start a new flow, each registered by what owns the route (provider, flows). */
  entrances?: FlowEntrance[];
  /** Length of the measurement window (ms). */
  windowMs?: number;
}

/** Whether a request starts a new flow (a new authorization request, the entrance of an activation...). */
export type FlowEntrance = (method: string, path: string) => boolean;

export class Admission {
  private readonly histogram: ReturnType<typeof monitorEventLoopDelay> | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private delayMs = 0;
  /** Requests in progress in this process (every request passing through the middleware). */
  inFlight = 0;
  private forced: boolean | undefined;
  /** New flows refused since start (for logs and tests). */
  refused = 0;

  constructor(private readonly options: AdmissionOptions) {
    if (options.maxEventLoopDelayMs > 0) {
      this.histogram = monitorEventLoopDelay({ resolution: 10 });
      this.histogram.enable();
      this.timer = setInterval(() => {
        // mean of the window, in ms (the histogram counts nanoseconds); NaN when no sample yet
        const mean = this.histogram!.mean / 1e6;
        this.delayMs = Number.isFinite(mean) ? mean : 0;
        this.histogram!.reset();
      }, options.windowMs ?? 500);
      this.timer.unref();
    }
  }

  /** Mean event-loop delay of the last window (ms). */
  get eventLoopDelayMs(): number {
    return this.delayMs;
  }

  isEntrance(method: string, path: string): boolean {
    return (this.options.entrances ?? []).some((entrance) => entrance(method, path));
  }

  /** Whether new flows are refused now. */
  get overloaded(): boolean {
    if (this.forced !== undefined) return this.forced;
    if (this.options.hashQueueFull()) return true;
    if (this.options.maxInFlight > 0 && this.inFlight > this.options.maxInFlight) return true;
    return this.options.maxEventLoopDelayMs > 0 && this.delayMs > this.options.maxEventLoopDelayMs;
  }

  /** Tests: force the overloaded state (true/false), or `undefined` to measure again. */
  force(state: boolean | undefined): void {
    this.forced = state;
  }

  middleware(): Middleware {
    return async (ctx: Context, next) => {
      if (this.isEntrance(ctx.method, ctx.path) && this.overloaded) {
        this.refused++;
        renderOverloaded(ctx);
        return;
      }
      this.inFlight++;
      try {
        await next();
      } finally {
        this.inFlight--;
      }
    };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
  }
}
