const integer = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const usdCents = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const formatInt = (n: number) => integer.format(n);
/** "600K", "58.2M": counts where the order of magnitude is what matters. */
export const formatCompact = (n: number) => compact.format(n);
export const formatUsd = (n: number) => {
  // Round first, so a margin of -$0.004 reads $0.00, not -$0.00.
  const r = Math.round(n * 100) / 100 || 0;
  return Math.abs(r) < 1000 ? usdCents.format(r) : usd.format(r);
};

export function formatDateTime(d: Date | string | null | undefined) {
  if (!d) return "—";
  const date = typeof d === "string" ? new Date(d) : d;
  return `${date.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" })} UTC`;
}

/** "Dec 2, 17:18": for dense tables (UTC; the full time goes in a title). */
export function formatShortDateTime(d: Date | string | null | undefined) {
  if (!d) return "—";
  const date = typeof d === "string" ? new Date(d) : d;
  return date.toLocaleString("en-US", {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: "UTC",
  });
}

export function formatDate(d: Date | string | null | undefined) {
  if (!d) return "—";
  const date = typeof d === "string" ? new Date(d) : d;
  return date.toLocaleDateString("en-US", { dateStyle: "medium", timeZone: "UTC" });
}

/** "3 h ago", "5 d ago": relative to now, for last-active columns. */
export function formatAgo(d: Date | null | undefined, now = Date.now()) {
  if (!d) return "never";
  const s = Math.max(0, Math.round((now - d.getTime()) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 86400 * 60) return `${Math.floor(s / 86400)} d ago`;
  return formatDate(d);
}

/**
 * A change between two figures to one decimal, with its direction: "+1.2%", "-0.4 pts", and "0.0" when it rounds to
 * nothing (never "-0.0": a tile would show a fall that is not there).
 */
export function formatChange(n: number, unit: string): { text: string; tone: "up" | "down" | "flat" } {
  if (!Number.isFinite(n) || Math.abs(n) < 0.05) return { text: `0.0${unit}`, tone: "flat" };
  return { text: `${n > 0 ? "+" : ""}${n.toFixed(1)}${unit}`, tone: n > 0 ? "up" : "down" };
}
