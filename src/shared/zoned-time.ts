/**
 * The UTC instant of a wall-clock time in a timezone. A time skipped by a DST
 * change (02:30 on a spring-forward night) means the moment after the gap; a
 * time that happens twice means its first occurrence.
 */
export function zonedTimeToUtc(localTime: string, timeZone: string): Date {
  const asUtc = Date.parse(`${localTime}:00Z`);
  const offsetAt = (t: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      })
        .formatToParts(new Date(t))
        .map((p) => [p.type, p.value]),
    );
    const wall = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    return wall - t;
  };
  const first = asUtc - offsetAt(asUtc);
  const second = asUtc - offsetAt(first);
  const exact = [first, second].filter((t) => t + offsetAt(t) === asUtc);
  return new Date(exact.length ? Math.min(...exact) : Math.max(first, second));
}
