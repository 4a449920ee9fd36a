import { formatCompact } from "@/shared/format";

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const usdSmall = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });

export type TValueFormat = "count" | "usd" | "tokens" | "percent";

export function formatValue(v: number, format: TValueFormat, axis = false): string {
  if (format === "usd")
    return axis && Math.abs(v) >= 1000 ? `$${formatCompact(v)}` : Math.abs(v) >= 100 ? usd.format(v) : usdSmall.format(v);
  if (format === "percent") return `${(v * 100).toFixed(axis ? 0 : 1)}%`;
  if (format === "tokens" || axis) return formatCompact(v);
  return new Intl.NumberFormat("en-US").format(v);
}

export const shortDate = (d: string) =>
  new Date(`${d}T00:00:00Z`).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
export const monthLabel = (d: string) =>
  new Date(`${d}T00:00:00Z`).toLocaleDateString("en-US", { month: "short", year: "2-digit", timeZone: "UTC" });
