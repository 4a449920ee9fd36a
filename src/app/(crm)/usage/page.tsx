import Link from "next/link";
import { AnalyticsHeader } from "@/components/analytics/analytics-header";
import { KpiTile } from "@/components/analytics/kpi-tile";
import { rangeFromParams, type TRangeParams } from "@/components/analytics/range";
import { BarChart } from "@/components/charts/bar-chart";
import { formatValue } from "@/components/charts/formatters";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import { Card, CardHeader } from "@/components/ui/primitives";
import { formatInt } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Usage" };

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="px-4 py-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 text-xl font-semibold tabular-nums text-slate-900">{value}</dd>
      {hint ? <dd className="text-xs text-slate-500">{hint}</dd> : null}
    </div>
  );
}

const pct = (v: number | null) => (v === null ? "—" : formatValue(v, "percent"));

export default async function UsagePage({ searchParams }: { searchParams: Promise<TRangeParams & { series?: string }> }) {
  const params = await searchParams;
  const caller = await api();
  const me = await caller.admins.me();
  const view = rangeFromParams(params, me.timezone);
  const { range } = view;
  const [s, status] = await Promise.all([
    caller.analytics.appStatistics({ range, timezone: me.timezone }),
    caller.analytics.rollupStatus(),
  ]);
  const series = params.series === "weekly" || params.series === "monthly" ? params.series : "daily";
  const t = s.tokenConsumption;
  return (
    <>
      <AnalyticsHeader
        title="Usage"
        view={view}
        timezone={me.timezone}
        refreshedAt={status.refreshedAt}
        catchUp={status}
        canRefresh={me.role !== "viewer"}
      />
      <section aria-label="Right now" className="grid grid-cols-3 gap-3">
        <KpiTile label="Active now" value={s.activeUsersNow} previous={null} hint="last 5 minutes" />
        <KpiTile label="Sessions today" value={s.sessionsToday} previous={null} hint={me.timezone} />
        <KpiTile label="Signups today" value={s.newSignupsToday} previous={null} hint={me.timezone} />
      </section>

      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-2 [&>*]:min-w-0">
        <Card>
          <CardHeader
            title="Assessment completions"
            description={`${formatInt(s.assessmentCompletions.daily.reduce((a, p) => a + p.value, 0))} in the range`}
            actions={
              <div className="flex gap-1 text-xs">
                {(["daily", "weekly", "monthly"] as const).map((k) => (
                  <Link
                    key={k}
                    href={{ query: { ...params, series: k } }}
                    aria-current={k === series ? "true" : undefined}
                    className={`rounded px-2 py-1 font-medium capitalize ${k === series ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100"}`}
                  >
                    {k}
                  </Link>
                ))}
              </div>
            }
          />
          <div className="px-2 py-3">
            {series === "daily" ? (
              <TimeSeriesChart label="Assessments" points={s.assessmentCompletions.daily} />
            ) : (
              <BarChart
                label="Assessments"
                bars={s.assessmentCompletions[series].map((p) => ({
                  label: series === "weekly" ? `Week of ${p.date.slice(5)}` : p.date.slice(0, 7),
                  value: p.value,
                }))}
              />
            )}
          </div>
        </Card>

        <Card>
          <CardHeader title="Visions and the intensive" />
          <dl className="grid grid-cols-2 divide-x divide-y divide-slate-100 sm:grid-cols-3">
            <Stat
              label="Visions generated"
              value={formatInt(s.visionGeneration.totalGenerated)}
              hint={`${formatInt(s.visionGeneration.failed)} failed`}
            />
            <Stat label="Success rate" value={pct(s.visionGeneration.successRate)} />
            <Stat label="Per active user" value={s.visionGeneration.averagePerUser.toFixed(2)} />
            <Stat label="Intensive started" value={formatInt(s.intensiveFlow.started)} hint="first start in the range" />
            <Stat
              label="Completed"
              value={formatInt(s.intensiveFlow.completed)}
              hint={`${pct(s.intensiveFlow.completionRate)} of starters`}
            />
            <Stat
              label="Time to complete"
              value={s.intensiveFlow.averageCompletionTime === null ? "—" : `${(s.intensiveFlow.averageCompletionTime / 24).toFixed(1)} d`}
              hint="average"
            />
          </dl>
          <div className="px-4 pb-4">
            <p className="mb-1 text-xs font-medium text-slate-500">Intensive funnel</p>
            <div
              className="h-3 w-full overflow-hidden rounded-full bg-slate-100"
              title={`${pct(s.intensiveFlow.completionRate)} completed`}
            >
              <div className="h-full rounded-full bg-emerald-500" style={{ width: `${(s.intensiveFlow.completionRate ?? 0) * 100}%` }} />
            </div>
          </div>
        </Card>

        <Card>
          <CardHeader
            title="AI tokens per day"
            description={`${formatValue(t.total, "tokens")} tokens · ${formatValue(t.costUsd, "usd")} cost`}
          />
          <div className="px-2 py-3">
            <TimeSeriesChart
              label="Cost"
              format="usd"
              color="#0ea5e9"
              points={t.dailyBreakdown.map((d) => ({ date: d.date, value: d.costUsd }))}
            />
          </div>
        </Card>

        <Card>
          <CardHeader title="AI cost by model" description="Cost, with tokens and calls per model" />
          <div className="px-2 py-3">
            {t.byModel.length === 0 ? (
              <p className="px-4 py-8 text-center text-sm text-slate-500">No AI usage in this range.</p>
            ) : (
              <>
                <BarChart label="Cost" format="usd" color="#0ea5e9" bars={t.byModel.map((m) => ({ label: m.model, value: m.costUsd }))} />
                <p className="px-4 pt-1 text-xs text-slate-500">
                  {t.byModel.map((m) => `${m.model}: ${formatValue(m.tokens, "tokens")} tokens, ${formatInt(m.calls)} calls`).join(" · ")}
                </p>
              </>
            )}
          </div>
        </Card>

        <Card className="lg:col-span-2">
          <CardHeader title="Top users by AI cost" description="The 10 users whose AI usage cost the most in the range" />
          {t.byUser.length === 0 ? (
            <p className="px-4 py-8 text-center text-sm text-slate-500">No AI usage in this range.</p>
          ) : (
            <div className="overflow-x-auto">
              <table className="min-w-full text-sm">
                <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th className="px-4 py-2 font-medium">User</th>
                    <th className="px-4 py-2 text-right font-medium">Tokens</th>
                    <th className="px-4 py-2 text-right font-medium">Cost</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {t.byUser.map((u) => (
                    <tr key={u.userId}>
                      <td className="px-4 py-2">
                        <Link
                          href={`/users?q=${encodeURIComponent(u.email)}`}
                          className="font-medium text-slate-900 hover:text-brand-700 hover:underline"
                        >
                          {u.name ?? u.email}
                        </Link>
                        <span className="ml-2 hidden text-xs text-slate-500 sm:inline">{u.email}</span>
                      </td>
                      <td className="px-4 py-2 text-right tabular-nums text-slate-600">{formatValue(u.tokens, "tokens")}</td>
                      <td className="px-4 py-2 text-right tabular-nums text-slate-900">{formatValue(u.costUsd, "usd")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>

        <Card>
          <CardHeader
            title="Revenue per day"
            description={`${formatValue(
              s.revenue.daily.reduce((a, p) => a + p.value, 0),
              "usd",
            )} in the range`}
          />
          <div className="px-2 py-3">
            <TimeSeriesChart label="Revenue" format="usd" color="#10b981" points={s.revenue.daily} />
          </div>
        </Card>

        <Card>
          <CardHeader title="Revenue by plan" description={`Customer churn in the range: ${pct(s.revenue.churnRate)}`} />
          <div className="px-2 py-3">
            {s.revenue.byPlan.length === 0 ? (
              <p className="px-4 py-8 text-center text-sm text-slate-500">No payments in this range.</p>
            ) : (
              <BarChart
                label="Revenue"
                format="usd"
                color="#10b981"
                bars={s.revenue.byPlan.map((p) => ({ label: p.plan, value: p.revenue }))}
              />
            )}
          </div>
          {s.revenue.monthly.length > 1 ? (
            <p className="px-4 pb-3 text-xs text-slate-500">
              By month: {s.revenue.monthly.map((m) => `${m.date.slice(0, 7)} ${formatValue(m.value, "usd")}`).join(" · ")}
            </p>
          ) : null}
        </Card>
      </div>
    </>
  );
}
