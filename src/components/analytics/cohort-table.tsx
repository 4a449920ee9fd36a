import type { TRetentionCohorts } from "@/server/services/analytics/types";
import { formatInt } from "@/shared/format";

const label = (start: string, unit: "week" | "month") =>
  new Date(`${start}T00:00:00Z`).toLocaleDateString(
    "en-US",
    unit === "month" ? { month: "short", year: "numeric", timeZone: "UTC" } : { month: "short", day: "numeric", timeZone: "UTC" },
  );

/** The classic triangle: each cohort's size and the share active in each following period. */
export function CohortTable({ data }: { data: TRetentionCohorts }) {
  const maxK = Math.max(0, ...data.cohorts.map((c) => c.periods.length));
  const ks = Array.from({ length: maxK }, (_, k) => k);
  const unit = data.cohort === "week" ? "Week" : "Month";
  return (
    // Focusable, so the triangle can be scrolled sideways from the keyboard on a narrow screen.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section className="overflow-x-auto" tabIndex={0} aria-label="Retention by cohort">
      <table className="min-w-full text-xs">
        <thead>
          <tr className="text-left text-slate-500">
            <th scope="col" className="px-3 py-2 font-medium">
              Cohort
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Users
            </th>
            {ks.map((k) => (
              <th key={`h${k}`} scope="col" className="px-2 py-2 text-center font-medium">
                {unit} {k}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.cohorts.map((c) => (
            <tr key={c.start} className="border-t border-slate-100">
              <th scope="row" className="whitespace-nowrap px-3 py-1.5 text-left font-medium text-slate-700">
                {label(c.start, data.cohort)}
              </th>
              <td className="px-3 py-1.5 text-right tabular-nums text-slate-600">{formatInt(c.size)}</td>
              {ks.map((k) => {
                const p = c.periods[k];
                if (!p) return <td key={`c${k}`} />;
                const rate = p.rate ?? 0;
                return (
                  <td key={`c${k}`} className="px-0.5 py-0.5">
                    <div
                      className={`rounded px-1.5 py-1 text-center tabular-nums text-slate-900 ${p.complete ? "" : "italic"}`}
                      // At most 75% indigo, so the dark figures keep a contrast above 5:1 (WCAG AA) on every shade.
                      style={{ backgroundColor: p.rate === null ? "#f8fafc" : `rgba(79, 70, 229, ${0.08 + rate * 0.67})` }}
                      title={`${formatInt(p.active)} of ${formatInt(c.size)} active${p.complete ? "" : " so far (period not over)"}`}
                    >
                      {p.rate === null ? "—" : `${(rate * 100).toFixed(0)}%`}
                    </div>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-2 px-3 text-xs text-slate-500">Italic: the period is not over yet.</p>
    </section>
  );
}
