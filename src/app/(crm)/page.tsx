import Link from "next/link";
import { AnalyticsHeader } from "@/components/analytics/analytics-header";
import { CohortTable } from "@/components/analytics/cohort-table";
import { KpiTile } from "@/components/analytics/kpi-tile";
import { rangeFromParams, type TRangeParams } from "@/components/analytics/range";
import { BarChart } from "@/components/charts/bar-chart";
import { LivePanel } from "@/components/live/live-panel";
import { Card, CardHeader, EmptyState } from "@/components/ui/primitives";
import { databaseMode } from "@/lib/env";
import { isSimulatingActivity } from "@/server/demo-activity";
import { api } from "@/trpc/server";

export const metadata = { title: "Dashboard" };

const FEATURE_LABELS = {
  assessment: "Assessments",
  visionGeneration: "Visions generated",
  intensive: "Intensive steps",
  journal: "Journal entries",
  audio: "Audio plays",
  visionBoard: "Vision board views",
  other: "Other",
} as const;

export default async function DashboardPage({ searchParams }: { searchParams: Promise<TRangeParams & { cohort?: string }> }) {
  const params = await searchParams;
  const caller = await api();
  const me = await caller.admins.me();
  const view = rangeFromParams(params, me.timezone);
  const { range } = view;
  const cohort = params.cohort === "week" ? "week" : "month";
  const [o, cohorts, status] = await Promise.all([
    caller.analytics.overview({ range, timezone: me.timezone }),
    caller.analytics.retentionCohorts({ cohort, periods: cohort === "week" ? 8 : 6, timezone: me.timezone }),
    caller.analytics.rollupStatus(),
  ]);
  const header = (
    <AnalyticsHeader
      title="Dashboard"
      view={view}
      timezone={me.timezone}
      refreshedAt={status.refreshedAt}
      catchUp={status}
      canRefresh={me.role !== "viewer"}
    />
  );
  if (o.totalUsers.value === 0 && o.totalUsers.previous === 0) {
    return (
      <>
        {header}
        <Card>
          <EmptyState title="No users yet">
            When people sign up in the VibrationFit app, their activity shows here. Locally, run npm run db:seed.
          </EmptyState>
        </Card>
      </>
    );
  }
  const r = o.userRetention;
  return (
    <>
      {header}
      <LivePanel canSimulate={databaseMode() === "embedded" && me.role !== "viewer"} simulating={isSimulatingActivity()} />
      <section aria-label="Users and revenue" className="grid grid-cols-2 gap-3 lg:grid-cols-3 xl:grid-cols-6">
        <KpiTile label="Total users" value={o.totalUsers.value} previous={o.totalUsers.previous} />
        <KpiTile label="Active users" value={o.activeUsers.value} previous={o.activeUsers.previous} />
        <KpiTile label="New users" value={o.newUsers.value} previous={o.newUsers.previous} />
        <KpiTile label="Revenue" value={o.revenue.total.value} previous={o.revenue.total.previous} format="usd" />
        <KpiTile label="MRR" value={o.revenue.monthly.value} previous={o.revenue.monthly.previous} format="usd" hint="at period end" />
        <KpiTile
          label="ARPU"
          value={o.revenue.averagePerUser.value}
          previous={o.revenue.averagePerUser.previous}
          format="usd"
          hint="per active user"
        />
      </section>
      <section aria-label="Retention" className="mt-3 grid grid-cols-1 gap-3 sm:grid-cols-3">
        {(
          [
            ["D1 retention", r.day1],
            ["D7 retention", r.day7],
            ["D30 retention", r.day30],
          ] as const
        ).map(([label, kpi]) => (
          <KpiTile
            key={label}
            label={label}
            value={kpi.value.rate}
            previous={kpi.previous.rate}
            format="percent"
            hint={kpi.value.eligible === 0 ? "no signups old enough yet" : `of ${kpi.value.eligible.toLocaleString("en-US")} eligible`}
          />
        ))}
      </section>
      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)] [&>*]:min-w-0">
        <Card>
          <CardHeader
            title="Feature usage"
            description="Events in the range"
            actions={
              <Link href="/usage" className="text-xs font-medium text-brand-700 hover:underline">
                Usage details →
              </Link>
            }
          />
          <div className="px-2 py-3">
            <BarChart
              label="Events"
              bars={(Object.keys(FEATURE_LABELS) as (keyof typeof FEATURE_LABELS)[]).map((k) => ({
                label: FEATURE_LABELS[k],
                value: o.featureUsage.value[k],
              }))}
            />
          </div>
        </Card>
        <Card>
          <CardHeader
            title="Retention by signup cohort"
            description={`Share of each ${cohort}'s signups active in the ${cohort}s after (${me.timezone})`}
            actions={
              <div className="flex gap-1 text-xs">
                {(["week", "month"] as const).map((c) => (
                  <Link
                    key={c}
                    href={{ query: { ...params, cohort: c } }}
                    aria-current={c === cohort ? "true" : undefined}
                    className={`rounded px-2 py-1 font-medium ${c === cohort ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100"}`}
                  >
                    {c === "week" ? "Weekly" : "Monthly"}
                  </Link>
                ))}
              </div>
            }
          />
          <div className="py-2">
            <CohortTable data={cohorts} />
          </div>
        </Card>
      </div>
    </>
  );
}
