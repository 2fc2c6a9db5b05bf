// Progressive enhancement for the metrics dashboard: the server renders every number as a table; once
// the page has hydrated this draws the same numbers as a chart. Before that (or without JavaScript, or
// if the chart library fails to load) nothing is drawn and the table alone carries the information.
// The canvas is an image with a short label that points at the table (aria-describedby), so screen
// reader users get the data from the table rather than from a picture of it.
import { useEffect, useRef, useState } from "react";
import type { ChartSpec } from "./chart-spec";

export function MetricChart({ spec, label, tableId, height = 260 }: { spec: ChartSpec; label: string; tableId: string; height?: number }) {
  const [mounted, setMounted] = useState(false);
  const [failed, setFailed] = useState(false);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  // Redraw only when the numbers change (a new period), not on every render.
  const key = JSON.stringify(spec);

  useEffect(() => setMounted(true), []);

  useEffect(() => {
    if (!mounted || !canvasRef.current) return;
    let cancelled = false;
    let chart: { destroy(): void } | null = null;
    import("./chart-runtime.client")
      .then(({ drawChart }) => {
        if (cancelled || !canvasRef.current || typeof drawChart !== "function") return;
        chart = drawChart(canvasRef.current, JSON.parse(key) as ChartSpec);
      })
      .catch((error: unknown) => {
        console.warn("chart could not be drawn", error);
        if (!cancelled) setFailed(true);
      });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [mounted, key]);

  // An all-zero chart is an empty grid that says less than the table's zeros: draw nothing then.
  const hasData = spec.datasets.some((d) => d.data.some((v) => v !== null && v !== 0));
  if (!mounted || failed || !hasData) return null;
  return (
    <div className="chart-box" style={{ height }}>
      <canvas ref={canvasRef} role="img" aria-label={label} aria-describedby={tableId} />
    </div>
  );
}
