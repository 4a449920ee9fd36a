"use client";

import { Axis, BarSeries, Tooltip, XYChart } from "@visx/xychart";
import { formatValue, type TValueFormat } from "./formatters";
import { useWidth } from "./use-width";

type Bar = { label: string; value: number };

/** Categories as horizontal bars (labels stay readable on a phone). */
export function BarChart({
  bars,
  label,
  format = "count",
  color = "#6366f1",
}: {
  bars: Bar[];
  label: string;
  format?: TValueFormat;
  color?: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const height = Math.max(80, bars.length * 34 + 36);
  // The labels' column fits the longest label (about 7 px a character at 12 px), at most 45% of the width;
  // a label longer than that is shortened with "…" (the whole one is in the tooltip and the aria-label).
  const longest = Math.max(0, ...bars.map((b) => b.label.length));
  const left = Math.round(Math.min(width * 0.45, Math.max(48, longest * 7 + 14)));
  const fits = Math.max(4, Math.floor((left - 14) / 7));
  const short = (l: string) => (l.length > fits ? `${l.slice(0, fits - 1)}…` : l);
  return (
    <div
      ref={ref}
      className="w-full"
      style={{ height }}
      role="img"
      aria-label={`${label}: ${bars.map((b) => `${b.label} ${formatValue(b.value, format)}`).join(", ")}`}
    >
      {width > 0 ? (
        <XYChart
          width={width}
          height={height}
          margin={{ top: 8, right: 28, bottom: 28, left }}
          yScale={{ type: "band", paddingInner: 0.3 }}
          xScale={{ type: "linear", nice: true, zero: true }}
        >
          <Axis
            orientation="left"
            hideAxisLine
            hideTicks
            tickFormat={(v: string) => short(String(v))}
            tickLabelProps={() => ({ fill: "#334155", fontSize: 12, textAnchor: "end", dx: -6, dy: 4 })}
          />
          <Axis
            orientation="bottom"
            numTicks={width < 400 ? 3 : 5}
            tickFormat={(v: number) => formatValue(v, format, true)}
            tickLabelProps={() => ({ fill: "#64748b", fontSize: 11, textAnchor: "middle" })}
            stroke="#e2e8f0"
            hideTicks
          />
          <BarSeries dataKey={label} data={bars} yAccessor={(b) => b.label} xAccessor={(b) => b.value} colorAccessor={() => color} />
          <Tooltip<Bar>
            renderTooltip={({ tooltipData }) => {
              const d = tooltipData?.nearestDatum?.datum;
              return d ? (
                <div className="text-xs">
                  <div className="font-medium">{d.label}</div>
                  <div>{formatValue(d.value, format)}</div>
                </div>
              ) : null;
            }}
          />
        </XYChart>
      ) : null}
    </div>
  );
}
