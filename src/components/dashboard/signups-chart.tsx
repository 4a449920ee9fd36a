"use client";

import { AnimatedAxis, AnimatedBarSeries, Tooltip, XYChart } from "@visx/xychart";
import { useEffect, useRef, useState } from "react";

type Point = { date: string; value: number };

/** visx charts need a width: measured on the client. */
function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry?.contentRect.width ?? 0)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

const shortDate = (d: string) =>
  new Date(`${d}T00:00:00Z`).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

export function SignupsChart({ points }: { points: Point[] }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const narrow = width < 520;
  return (
    <div ref={ref} className="h-56 w-full" role="img" aria-label={`Signups per day, ${points.length} days`}>
      {width > 0 ? (
        <XYChart
          width={width}
          height={224}
          margin={{ top: 12, right: 12, bottom: 28, left: 40 }}
          xScale={{ type: "band", paddingInner: 0.25 }}
          yScale={{ type: "linear", nice: true }}
        >
          <AnimatedAxis
            orientation="left"
            numTicks={4}
            tickLabelProps={() => ({ fill: "#64748b", fontSize: 11, textAnchor: "end", dx: -4, dy: 3 })}
            stroke="#e2e8f0"
            tickStroke="#e2e8f0"
          />
          <AnimatedAxis
            orientation="bottom"
            numTicks={narrow ? 4 : 8}
            tickFormat={shortDate}
            tickLabelProps={() => ({ fill: "#64748b", fontSize: 11, textAnchor: "middle" })}
            stroke="#e2e8f0"
            tickStroke="#e2e8f0"
          />
          <AnimatedBarSeries
            dataKey="Signups"
            data={points}
            xAccessor={(p) => p.date}
            yAccessor={(p) => p.value}
            colorAccessor={() => "#6366f1"}
          />
          <Tooltip<Point>
            snapTooltipToDatumX
            showVerticalCrosshair={false}
            renderTooltip={({ tooltipData }) => {
              const d = tooltipData?.nearestDatum?.datum;
              return d ? (
                <div className="text-xs">
                  <div className="font-medium">{shortDate(d.date)}</div>
                  <div>{d.value} signups</div>
                </div>
              ) : null;
            }}
          />
        </XYChart>
      ) : null}
    </div>
  );
}
