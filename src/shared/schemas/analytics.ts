import { z } from "zod";

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz.length <= 64;
  } catch {
    return false;
  }
};

export const ZTimezone = z
  .string()
  .trim()
  .min(1, { message: "Choose a timezone" })
  .refine(isTimeZone, { message: "Unknown timezone: use an IANA name such as Europe/Berlin or America/New_York" });

const ZLocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "Use a date like 2026-11-27" })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), {
    message: "Not a real calendar date",
  });

export const MAX_RANGE_DAYS = 731;

export const ZRange = z
  .object({ from: ZLocalDate, to: ZLocalDate })
  .refine((r) => r.from <= r.to, { message: "The range must start on or before its end", path: ["to"] })
  .refine((r) => (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 + 1 <= MAX_RANGE_DAYS, {
    message: `A range holds at most ${MAX_RANGE_DAYS} days (2 years)`,
    path: ["from"],
  });

export const ZAnalyticsInput = z.object({ range: ZRange, timezone: ZTimezone });
export type TAnalyticsInput = z.infer<typeof ZAnalyticsInput>;

export const ZRetentionCohortsInput = z.object({
  cohort: z.enum(["week", "month"]),
  periods: z.number().int().min(1).max(24).default(8),
  timezone: ZTimezone,
});
export type TRetentionCohortsInput = z.input<typeof ZRetentionCohortsInput>;

/** Today's date in a timezone, as YYYY-MM-DD. */
export function todayIn(timezone: string, now = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  return parts;
}

/** A preset range ending today: the last `days` local days. */
export function lastDays(days: number, timezone: string, now = new Date()): { from: string; to: string } {
  const to = todayIn(timezone, now);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}
