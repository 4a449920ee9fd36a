/*
 * Local time windows ("between 9:00 and 18:00 on weekdays", quiet hours
 * "22:00–8:00") in an IANA time zone. A window from a later hour to an
 * earlier one wraps midnight. Pure and browser-safe.
 */

const HOUR = 3_600_000;

function localParts(at: Date, timeZone: string): { hour: number; weekday: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", hourCycle: "h23", weekday: "short" }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0) % 24;
  const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.find((p) => p.type === "weekday")?.value ?? "Sun");
  return { hour, weekday };
}

/** Whether the local hour of `at` falls in [fromHour, toHour) (wrapping midnight when fromHour > toHour). */
export function inLocalWindow(at: Date, w: { fromHour: number; toHour: number; weekdaysOnly?: boolean; timeZone: string }): boolean {
  const { hour, weekday } = localParts(at, w.timeZone);
  if (w.weekdaysOnly && (weekday === 0 || weekday === 6)) return false;
  return w.fromHour < w.toHour ? hour >= w.fromHour && hour < w.toHour : hour >= w.fromHour || hour < w.toHour;
}

/**
 * The first instant at or after `at` inside the window: `at` itself when it
 * is inside, else the start of the next local hour that is (every zone's
 * offset is a whole number of quarter hours, so hour starts are found by
 * stepping to the next UTC quarter hour and then by hours).
 */
export function nextInLocalWindow(at: Date, w: { fromHour: number; toHour: number; weekdaysOnly?: boolean; timeZone: string }): Date {
  if (inLocalWindow(at, w)) return at;
  const QUARTER = HOUR / 4;
  let t = Math.ceil(at.getTime() / QUARTER) * QUARTER;
  // Up to 8 days of quarter hours: any window that is ever open is found.
  for (let i = 0; i < 8 * 24 * 4; i++, t += QUARTER) {
    const d = new Date(t);
    if (inLocalWindow(d, w)) return d;
  }
  return new Date(at.getTime() + 24 * HOUR);
}
