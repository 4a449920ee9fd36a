import { describe, expect, it } from "vitest";
import { inLocalWindow, nextInLocalWindow } from "./local-window";

describe("local time windows", () => {
  it("finds the next opening in the zone, across midnight and weekends", () => {
    const w = { fromHour: 9, toHour: 17, weekdaysOnly: true, timeZone: "America/New_York" };
    // Friday 2026-12-04 18:30 in New York (23:30 UTC): next is Monday 09:00 New York = 14:00 UTC.
    expect(nextInLocalWindow(new Date("2026-12-04T23:30:00Z"), w).toISOString()).toBe("2026-12-07T14:00:00.000Z");
    expect(inLocalWindow(new Date("2026-12-07T14:30:00Z"), w)).toBe(true);
    expect(nextInLocalWindow(new Date("2026-12-07T14:30:00Z"), w).toISOString()).toBe("2026-12-07T14:30:00.000Z");
  });
  it("wraps midnight and respects half-hour zones", () => {
    const quiet = { fromHour: 22, toHour: 8, timeZone: "Asia/Kolkata" };
    // 23:00 in Kolkata is 17:30 UTC.
    expect(inLocalWindow(new Date("2026-12-02T17:30:00Z"), quiet)).toBe(true);
    expect(inLocalWindow(new Date("2026-12-02T03:00:00Z"), quiet)).toBe(false); // 08:30 local
    // From 12:00 local (06:30 UTC) the next quiet start is 22:00 local = 16:30 UTC.
    expect(nextInLocalWindow(new Date("2026-12-02T06:30:00Z"), quiet).toISOString()).toBe("2026-12-02T16:30:00.000Z");
  });
});
