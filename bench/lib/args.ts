/** Command line of `npm run bench`. */

export const SCENARIOS = ['login', 'refresh', 'activation', 'baseline'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  /** Measured seconds per scenario (after the warm-up). */
  duration: number;
  warmup: number;
  /** Virtual users per scenario; undefined = the scenario's default. */
  vus: number | undefined;
  scenarios: Scenario[];
  accounts: number;
  ramp: boolean;
  /** Seconds per ramp step. */
  rampStep: number;
  /** Server processes (WEB_CONCURRENCY); undefined = the server's default. */
  webConcurrency: number | undefined;
  /** Arrival rate (flows/s) of the open-loop login step; undefined = 70 % of the measured capacity. */
  rate: number | undefined;
  /** Seconds of the hash-ceiling measurement. */
  hashSeconds: number;
  label: string | undefined;
  help: boolean;
}

export const USAGE = `npm run bench -- [options]
  --duration <s>          measured seconds per scenario (default 20)
  --warmup <s>            warm-up seconds before each measurement (default 3)
  --vus <n>               virtual users (default: 16 login/baseline, 32 refresh, 8 activation)
  --scenario <list>       comma-separated: login,refresh,activation,baseline (default all)
  --accounts <n>          accounts seeded (default 10000)
  --ramp                  also ramp login virtual users up to the knee, then overload past it
  --ramp-step <s>         seconds per ramp step (default 8)
  --web-concurrency <n>   server processes (default: the server's own default)
  --rate <flows/s>        arrival rate of the open-loop login step (default: 70% of the measured capacity)
  --hash-seconds <s>      seconds of the hash-ceiling measurement (default 5)
  --label <text>          stored in the JSON result
DATABASE_URL=postgres://... selects PostgreSQL (a database named after it is recreated); else PGlite.`;

export class ArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgsError';
  }
}

function positiveInteger(name: string, raw: string | undefined, max = 10_000_000): number {
  const value = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ArgsError(`${name} expects an integer between 1 and ${max} (got ${raw ?? 'nothing'})`);
  }
  return value;
}

function nonNegative(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (raw === undefined || raw === '' || !Number.isFinite(value) || value < 0 || value > 3600) {
    throw new ArgsError(`${name} expects a number of seconds between 0 and 3600 (got ${raw ?? 'nothing'})`);
  }
  return value;
}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    duration: 20,
    warmup: 3,
    vus: undefined,
    scenarios: [...SCENARIOS],
    accounts: 10_000,
    ramp: false,
    rampStep: 8,
    webConcurrency: undefined,
    rate: undefined,
    hashSeconds: 5,
    label: undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg];
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ArgsError(`${flag} expects a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--duration':
        options.duration = Math.max(1, nonNegative(flag, value()));
        break;
      case '--warmup':
        options.warmup = nonNegative(flag, value());
        break;
      case '--vus':
        options.vus = positiveInteger(flag, value(), 10_000);
        break;
      case '--scenario':
      case '--scenarios': {
        const list = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = list.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
        if (list.length === 0 || unknown.length > 0)
          throw new ArgsError(
            `unknown scenario ${unknown.join(', ') || '(empty)'}; use ${SCENARIOS.join(', ')}`,
          );
        options.scenarios = [...new Set(list)] as Scenario[];
        break;
      }
      case '--accounts':
        options.accounts = positiveInteger(flag, value(), 50_000_000);
        break;
      case '--ramp':
        options.ramp = true;
        break;
      case '--ramp-step':
        options.rampStep = Math.max(1, nonNegative(flag, value()));
        break;
      case '--web-concurrency':
        options.webConcurrency = positiveInteger(flag, value(), 64);
        break;
      case '--rate': {
        const raw = value();
        const rate = Number(raw);
        if (!Number.isFinite(rate) || rate <= 0 || rate > 100_000)
          throw new ArgsError(`--rate expects flows per second between 0 and 100000 (got ${raw})`);
        options.rate = rate;
        break;
      }
      case '--hash-seconds':
        options.hashSeconds = Math.max(1, nonNegative(flag, value()));
        break;
      case '--label':
        options.label = value();
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new ArgsError(`unknown option ${arg}`);
    }
  }
  return options;
}
