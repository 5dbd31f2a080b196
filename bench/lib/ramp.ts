/** Ramp mode: virtual users are raised step by step until latency or errors pass their limits. */

export interface RampStep {
  vus: number;
  flowsPerSecond: number;
  p99: number;
  errorRate: number;
}

export interface RampLimits {
  /** Milliseconds; the ramp stops once the p99 of a flow passes it. */
  p99Ms: number;
  /** Fraction of flows in error (0.01 = 1%). */
  errorRate: number;
}

export const DEFAULT_RAMP_LIMITS: RampLimits = { p99Ms: 1000, errorRate: 0.01 };

export function withinLimits(step: RampStep, limits: RampLimits = DEFAULT_RAMP_LIMITS): boolean {
  return step.p99 <= limits.p99Ms && step.errorRate <= limits.errorRate;
}

/** The next number of virtual users: doubling while small, then +50%. */
export function nextVus(vus: number): number {
  return vus < 16 ? vus * 2 : Math.ceil(vus * 1.5);
}

/**
 * The knee: among the steps run before the first one past the limits, the one with the highest
 * throughput. Undefined when even the first step broke the limits.
 */
export function findKnee(steps: readonly RampStep[], limits: RampLimits = DEFAULT_RAMP_LIMITS) {
  let knee: RampStep | undefined;
  for (const step of steps) {
    if (!withinLimits(step, limits)) break;
    if (!knee || step.flowsPerSecond > knee.flowsPerSecond) knee = step;
  }
  return knee;
}
