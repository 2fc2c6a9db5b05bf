// What a metrics chart shows, shared by the component that renders the table-backed canvas
// (metric-chart.tsx) and the only module that imports chart.js (chart-runtime.client.tsx).
export interface ChartSpec {
  type: "bar" | "line";
  labels: string[];
  datasets: Array<{ label: string; data: Array<number | null>; stack?: string }>;
  /** Bars drawn sideways (long category names such as funnel steps). */
  horizontal?: boolean;
  stacked?: boolean;
  /** Title of the value axis, e.g. "ms" or "USD". */
  valueTitle?: string;
}
