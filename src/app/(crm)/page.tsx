import { SignupsChart } from "@/components/dashboard/signups-chart";
import { Card, CardHeader, PageHeader } from "@/components/ui/primitives";
import { formatInt, formatUsd } from "@/lib/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Dashboard" };

function Kpi({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <Card className="px-4 py-4">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums text-slate-900">{value}</p>
      <p className="mt-1 text-xs text-slate-500">{hint}</p>
    </Card>
  );
}

export default async function DashboardPage() {
  const caller = await api();
  const summary = await caller.analytics.summary();
  return (
    <>
      <PageHeader title="Dashboard" description="The last 30 days at a glance. Every number is defined in docs/metrics.md." />
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-5">
        <Kpi label="Total users" value={formatInt(summary.totalUsers)} hint="All signed-up users" />
        <Kpi label="Active users" value={formatInt(summary.activeUsers30d)} hint="Active in the last 30 days" />
        <Kpi label="New users" value={formatInt(summary.newUsers30d)} hint="Signed up in the last 30 days" />
        <Kpi label="Revenue" value={formatUsd(summary.revenue30dUsd)} hint="Successful payments, 30 days" />
        <Kpi label="AI cost" value={formatUsd(summary.aiCost30dUsd)} hint="Model usage, 30 days" />
      </div>
      <Card className="mt-6">
        <CardHeader title="Signups per day" description="Last 30 days, UTC days" />
        <div className="px-2 py-3">
          {summary.totalUsers === 0 ? (
            <p className="px-4 py-10 text-center text-sm text-slate-500">No users yet. Run npm run db:seed to load demo data.</p>
          ) : (
            <SignupsChart points={summary.signupsByDay} />
          )}
        </div>
      </Card>
    </>
  );
}
