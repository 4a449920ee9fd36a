import { formatValue, type TValueFormat } from "@/components/charts/formatters";
import { Card } from "@/components/ui/primitives";
import { formatChange } from "@/shared/format";

/** A number, its previous-period value and the change; `higherIsBetter` colours the change. */
export function KpiTile({
  label,
  value,
  previous,
  format = "count",
  hint,
  higherIsBetter = true,
}: {
  label: string;
  value: number | null;
  previous: number | null;
  format?: TValueFormat;
  hint?: string;
  higherIsBetter?: boolean;
}) {
  let delta: { text: string; tone: "up" | "down" | "flat" } | null = null;
  if (value !== null && previous !== null) {
    if (format === "percent") {
      delta = formatChange((value - previous) * 100, " pts");
    } else if (previous === 0) {
      delta = value === 0 ? { text: "no change", tone: "flat" } : { text: "new", tone: "up" };
    } else {
      delta = formatChange(((value - previous) / Math.abs(previous)) * 100, "%");
    }
  }
  const good = delta && delta.tone !== "flat" && (delta.tone === "up") === higherIsBetter;
  return (
    <Card className="px-4 py-3.5">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums text-slate-900">{value === null ? "—" : formatValue(value, format)}</p>
      <p className="mt-1 flex flex-wrap items-center gap-x-1.5 text-xs text-slate-500">
        {delta ? (
          <span className={`font-medium ${delta.tone === "flat" ? "text-slate-500" : good ? "text-emerald-700" : "text-red-700"}`}>
            {delta.tone === "up" ? "▲" : delta.tone === "down" ? "▼" : "•"} {delta.text}
          </span>
        ) : null}
        <span>
          {previous === null ? (hint ?? "") : `vs ${formatValue(previous, format)}`}
          {hint && previous !== null ? ` · ${hint}` : ""}
        </span>
      </p>
    </Card>
  );
}
