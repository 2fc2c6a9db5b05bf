// The only module that imports chart.js. The `.client` suffix makes Remix replace it with an empty module
// in the server build, so the Worker bundle never carries the library; MetricChart loads it with a
// dynamic import after hydration, so only the metrics page downloads it, and only when JS runs.
// Only the pieces the dashboard uses are registered (tree-shaking drops the rest).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import type { ChartSpec } from "./chart-spec";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

// Okabe–Ito: distinguishable with the common colour-vision deficiencies, and each has at least 3:1
// contrast against the white chart background (the yellow of the set is left out for that reason).
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
const INK = "#1b1f24";
const GRID = "#d5dbe1";

export function drawChart(canvas: HTMLCanvasElement, spec: ChartSpec): { destroy(): void } {
  const reducedMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
  const horizontal = spec.horizontal === true;
  const valueAxis = horizontal ? "x" : "y";
  const categoryAxis = horizontal ? "y" : "x";
  const config: ChartConfiguration = {
    type: spec.type,
    data: {
      labels: spec.labels,
      datasets: spec.datasets.map((d, i) => {
        const color = PALETTE[i % PALETTE.length]!;
        return {
          label: d.label,
          data: d.data,
          backgroundColor: spec.type === "line" ? color : `${color}cc`,
          borderColor: color,
          borderWidth: 2,
          // Lines also differ by dash pattern, so series stay apart in greyscale or for colour-blind readers.
          ...(spec.type === "line" ? { borderDash: i % 2 === 1 ? [6, 4] : [], pointRadius: 3, tension: 0 } : {}),
          ...(d.stack ? { stack: d.stack } : {}),
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion ? false : { duration: 250 },
      indexAxis: horizontal ? "y" : "x",
      color: INK,
      plugins: {
        legend: { display: spec.datasets.length > 1, labels: { color: INK } },
        tooltip: { enabled: true },
      },
      scales: {
        [categoryAxis]: { stacked: spec.stacked === true, ticks: { color: INK }, grid: { color: GRID } },
        [valueAxis]: {
          stacked: spec.stacked === true,
          beginAtZero: true,
          ticks: { color: INK },
          grid: { color: GRID },
          title: spec.valueTitle ? { display: true, text: spec.valueTitle, color: INK } : { display: false },
        },
      },
    },
  };
  const chart = new Chart(canvas, config);
  return { destroy: () => chart.destroy() };
}
