"use client";

import { AreaSeries, Axis, Grid, Tooltip, XYChart } from "@visx/xychart";
import { formatValue, shortDate, type TValueFormat } from "./formatters";
import { useWidth } from "./use-width";

type Point = { date: string; value: number };

/** One dated series as an area chart; every day of the range is a point (empty days are 0). */
export function TimeSeriesChart({
  points,
  label,
  format = "count",
  height = 220,
  color = "#6366f1",
}: {
  points: Point[];
  label: string;
  format?: TValueFormat;
  height?: number;
  color?: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const narrow = width < 520;
  const total = points.reduce((s, p) => s + p.value, 0);
  return (
    <div
      ref={ref}
      className="w-full"
      style={{ height }}
      role="img"
      aria-label={`${label}: ${points.length} days, total ${formatValue(total, format)}`}
    >
      {width > 0 ? (
        <XYChart
          width={width}
          height={height}
          margin={{ top: 12, right: 16, bottom: 28, left: 48 }}
          xScale={{ type: "band", paddingInner: 0, paddingOuter: 0 }}
          yScale={{ type: "linear", nice: true, zero: true }}
        >
          <Grid columns={false} numTicks={4} lineStyle={{ stroke: "#f1f5f9" }} />
          <Axis
            orientation="left"
            numTicks={4}
            tickFormat={(v: number) => formatValue(v, format, true)}
            tickLabelProps={() => ({ fill: "#64748b", fontSize: 11, textAnchor: "end", dx: -4, dy: 3 })}
            hideAxisLine
            hideTicks
          />
          <Axis
            orientation="bottom"
            numTicks={narrow ? 3 : 6}
            tickFormat={shortDate}
            tickLabelProps={() => ({ fill: "#64748b", fontSize: 11, textAnchor: "middle" })}
            stroke="#e2e8f0"
            hideTicks
          />
          <AreaSeries
            dataKey={label}
            data={points}
            xAccessor={(p) => p.date}
            yAccessor={(p) => p.value}
            fill={color}
            fillOpacity={0.15}
            lineProps={{ stroke: color, strokeWidth: 2 }}
          />
          <Tooltip<Point>
            snapTooltipToDatumX
            showVerticalCrosshair
            verticalCrosshairStyle={{ stroke: "#cbd5e1" }}
            renderTooltip={({ tooltipData }) => {
              const d = tooltipData?.nearestDatum?.datum;
              return d ? (
                <div className="text-xs">
                  <div className="font-medium">{shortDate(d.date)}</div>
                  <div>
                    {label}: {formatValue(d.value, format)}
                  </div>
                </div>
              ) : null;
            }}
          />
        </XYChart>
      ) : null}
    </div>
  );
}
