import { type ConsoleContext, ConsoleFrame, TableRegion } from './frame.js';

export interface StatisticsView {
  rows: { label: string; value: string }[];
  /** Activations per week, oldest first; `week` is the Monday as JJ/MM. */
  weeks: { week: string; count: number }[];
}

/** A bar chart drawn on the server (no script): one bar per week, its count above it. */
function WeeklyChart({ weeks }: { weeks: StatisticsView['weeks'] }) {
  const width = 640;
  const height = 240;
  const top = 24;
  const bottom = 32;
  const max = Math.max(1, ...weeks.map((w) => w.count));
  const slot = width / Math.max(1, weeks.length);
  const bar = slot * 0.6;
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-labelledby="graphique-titre"
    >
      <title id="graphique-titre">
        Activations par semaine : {weeks.map((w) => `semaine du ${w.week} : ${w.count}`).join(', ')}
      </title>
      <line x1={0} y1={height - bottom} x2={width} y2={height - bottom} stroke="#3a3a3a" />
      {weeks.map((w, i) => {
        const h = ((height - top - bottom) * w.count) / max;
        const x = i * slot + (slot - bar) / 2;
        const y = height - bottom - h;
        return (
          <g key={w.week}>
            <rect x={x} y={y} width={bar} height={h} fill="#000091" />
            <text x={x + bar / 2} y={y - 6} text-anchor="middle" font-size="14" fill="#161616">
              {w.count}
            </text>
            <text x={x + bar / 2} y={height - 10} text-anchor="middle" font-size="13" fill="#3a3a3a">
              {w.week}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function StatisticsPage({ context, stats }: { context: ConsoleContext; stats: StatisticsView }) {
  return (
    <ConsoleFrame context={context} section="statistiques" title="Statistiques">
      <TableRegion label="Comptes de l'établissement">
        <table class="data-table">
          <caption class="visually-hidden">Comptes de l'établissement</caption>
          <tbody>
            {stats.rows.map((r) => (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                <td>{r.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
      <h2>Activations par semaine</h2>
      <WeeklyChart weeks={stats.weeks} />
      <TableRegion label="Activations par semaine">
        <table class="data-table">
          <thead>
            <tr>
              <th scope="col">Semaine du</th>
              <th scope="col">Comptes activés</th>
            </tr>
          </thead>
          <tbody>
            {stats.weeks.map((w) => (
              <tr key={w.week}>
                <td>{w.week}</td>
                <td>{w.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
    </ConsoleFrame>
  );
}
