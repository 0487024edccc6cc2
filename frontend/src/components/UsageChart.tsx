import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UsageRow } from '../admin';
import { formatUsd } from '../format';

export interface ChartSeries {
  label: string;
  /** A CSS custom property from admin.css, so the colours follow light and dark. */
  colorVar: string;
  dash?: number[];
  value: (row: UsageRow) => number | null;
}

/** Revenue, credits spent, provider cost and margin per day, in US dollars (1 USD = 100 credits). */
export const USAGE_SERIES: ChartSeries[] = [
  { label: 'Revenue', colorVar: '--chart-1', value: (row) => (row.revenue_cents === null ? null : row.revenue_cents / 100) },
  { label: 'Credits spent (as USD)', colorVar: '--chart-2', dash: [6, 4], value: (row) => row.credits_spent / 100 },
  { label: 'Provider cost', colorVar: '--chart-3', dash: [2, 3], value: (row) => row.provider_cost_usd },
  { label: 'Gross margin', colorVar: '--chart-4', dash: [10, 3, 2, 3], value: (row) => row.gross_margin_usd },
];

const HEIGHT = 280;

/**
 * A line chart drawn by uPlot on a canvas. It is only a picture of the table that follows it, so it is hidden from
 * assistive technology; the legend is ours (plain text and a line sample, not colour alone).
 */
export function UsageChart({ rows }: { rows: UsageRow[] }) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let chart: uPlot | null = null;
    // Redrawn in the new colours when the theme changes (src/theme.ts sets <html data-theme>).
    const theme = new MutationObserver(draw);

    function draw() {
      chart?.destroy();
      if (!element) return;
      const style = getComputedStyle(element);
      const color = (name: string) => style.getPropertyValue(name).trim() || '#555';
      const axis = { stroke: color('--text'), grid: { stroke: color('--border'), width: 1 }, ticks: { stroke: color('--border'), width: 1 } };
      const x = rows.map((row) => Date.parse(row.group + 'T00:00:00Z') / 1000);
      const data: uPlot.AlignedData = [x, ...USAGE_SERIES.map((series) => rows.map((row) => series.value(row)))];
      chart = new uPlot(
        {
          width: Math.max(280, element.clientWidth),
          height: HEIGHT,
          legend: { show: false },
          cursor: { show: false },
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
          scales: { x: { time: true } },
          axes: [axis, { ...axis, size: 64, values: (_u, values) => values.map((v) => formatUsd(v, 0, 3)) }],
          series: [
            {},
            ...USAGE_SERIES.map((series) => ({
              label: series.label,
              stroke: color(series.colorVar),
              width: 2,
              dash: series.dash,
              points: { show: rows.length < 40, size: 6, fill: color(series.colorVar) },
              spanGaps: true,
            })),
          ],
        },
        data,
        element,
      );
    }

    draw();
    const resize = new ResizeObserver(() => {
      if (chart && element.clientWidth && Math.abs(chart.width - element.clientWidth) > 2) {
        chart.setSize({ width: Math.max(280, element.clientWidth), height: HEIGHT });
      }
    });
    resize.observe(element);
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      resize.disconnect();
      theme.disconnect();
      chart?.destroy();
    };
  }, [rows]);

  return (
    <figure class="chart" data-testid="usage-chart">
      <div ref={box} class="chart-canvas" aria-hidden="true" />
      <figcaption>
        <ul class="chart-legend">
          {USAGE_SERIES.map((series, index) => (
            <li key={series.label}>
              <span class={`legend-line legend-line-${index + 1}`} aria-hidden="true" />
              {series.label}
            </li>
          ))}
        </ul>
        <p class="muted small-print">US dollars per day (UTC). The same numbers are in the table below.</p>
      </figcaption>
    </figure>
  );
}
