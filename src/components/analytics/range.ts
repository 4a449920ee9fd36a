import { daysBetween } from "@/shared/day";
import { lastDays, ZRange } from "@/shared/schemas/analytics";

import { PRESETS } from "./presets";

export type TRangeParams = { range?: string; from?: string; to?: string };

/**
 * The range a page shows, from its URL (?range=30d or ?from=…&to=…), so a
 * view can be shared. An invalid URL falls back to the last 30 days and says why.
 */
export function rangeFromParams(params: TRangeParams, timezone: string, now = new Date()) {
  if (params.from || params.to) {
    const parsed = ZRange.safeParse({ from: params.from ?? "", to: params.to ?? "" });
    if (parsed.success) return { range: parsed.data, preset: null, error: null, days: daysBetween(parsed.data.from, parsed.data.to) };
    return { range: lastDays(30, timezone, now), preset: 30, error: parsed.error.issues[0]?.message ?? "Invalid range", days: 30 };
  }
  const n = Number(params.range?.replace(/d$/, ""));
  const preset = (PRESETS as readonly number[]).includes(n) ? n : 30;
  return { range: lastDays(preset, timezone, now), preset, error: null, days: preset };
}

export type TRangeView = ReturnType<typeof rangeFromParams>;

export const formatLocalDate = (d: string) =>
  new Date(`${d}T00:00:00Z`).toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
