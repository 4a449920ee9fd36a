import Link from "next/link";
import { notFound } from "next/navigation";
import { TimeSeriesChart } from "@/components/charts/time-series-chart";
import { CriteriaSummary } from "@/components/segments/criteria-summary";
import { SegmentActions } from "@/components/segments/segment-actions";
import { Badge, buttonClass, Card, CardHeader, EmptyState } from "@/components/ui/primitives";
import { UsersTable } from "@/components/users/users-table";
import { formatAgo, formatDateTime, formatInt } from "@/shared/format";
import { orNotFound } from "@/trpc/or-not-found";
import { api } from "@/trpc/server";

export const metadata = { title: "Segment" };

export default async function SegmentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const [me, segment] = await Promise.all([caller.admins.me(), orNotFound(caller.segments.get({ id }))]);
  if (!segment) notFound();
  const [members, segments, campaigns] = await Promise.all([
    caller.users.list({ filters: { segmentId: id }, limit: 25, timeZone: me.timezone }),
    caller.segments.list(),
    caller.messaging.campaigns.list(),
  ]);
  // Segment and campaign ids the criteria refer to, by name.
  const names = new Map([...segments, ...campaigns].map((s) => [s.id, s.name]));
  // One point per UTC day: the count after that day's last recompute.
  const daily = [...new Map(segment.countHistory.map((c) => [c.at.toISOString().slice(0, 10), c.userCount])).entries()].map(
    ([date, value]) => ({
      date,
      value,
    }),
  );
  const now = Date.now();
  const query = `segment=${id}`;

  return (
    <>
      <nav className="mb-3 text-sm">
        <Link href="/segments" className="text-slate-500 hover:text-slate-900">
          ← Segments
        </Link>
      </nav>
      <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <h1 className="text-xl font-semibold tracking-tight text-slate-900">{segment.name}</h1>
          {segment.description ? <p className="mt-1 text-sm text-slate-600">{segment.description}</p> : null}
          <p className="mt-1 text-sm text-slate-500">
            <span className="font-medium text-slate-800" data-testid="segment-count">
              {formatInt(segment.userCount)} {segment.userCount === 1 ? "member" : "members"}
            </span>{" "}
            ·{" "}
            {segment.lastComputedAt
              ? `computed ${formatAgo(segment.lastComputedAt, now)}${segment.lastComputeMs !== null ? ` in ${formatInt(segment.lastComputeMs)} ms` : ""}`
              : "not computed yet"}
          </p>
        </div>
        {me.role !== "viewer" ? <SegmentActions id={segment.id} name={segment.name} /> : null}
      </div>

      <div className="grid min-w-0 gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0 space-y-6">
          <Card>
            <CardHeader title="Criteria" />
            <div className="p-4">
              <CriteriaSummary criteria={segment.criteria} segmentNames={names} />
            </div>
          </Card>
          <Card>
            <CardHeader title="Members over time" description="After each recompute that changed something" />
            <div className="p-4">
              {daily.length < 2 ? (
                <p className="text-sm text-slate-500">
                  The chart appears once there are counts on two different days. Now: {formatInt(segment.userCount)} members.
                </p>
              ) : (
                <TimeSeriesChart label="Members" height={180} points={daily} />
              )}
            </div>
          </Card>
          <div>
            <div className="mb-2 flex items-center justify-between gap-2">
              <h2 className="text-sm font-semibold text-slate-900">Members</h2>
              <div className="flex gap-2">
                <Link href={`/users?${query}`} className={buttonClass.secondary}>
                  Open in users list
                </Link>
                <a href={`/api/users/export?${query}&tz=${encodeURIComponent(me.timezone)}`} className={buttonClass.secondary} download>
                  Export CSV
                </a>
              </div>
            </div>
            {members.items.length === 0 ? (
              <Card>
                <EmptyState title="No members right now">Nobody matches these criteria at the last recompute.</EmptyState>
              </Card>
            ) : (
              <UsersTable items={members.items} sort={{ sort: "joined", dir: "desc" }} query={query} now={now} />
            )}
            {members.nextCursor ? (
              <p className="mt-2 text-sm text-slate-500">
                Showing the newest 25.{" "}
                <Link href={`/users?${query}`} className="text-brand-700 underline">
                  See all {formatInt(segment.userCount)}
                </Link>
              </p>
            ) : null}
          </div>
        </div>
        <Card>
          <CardHeader title="Entered and left" description="Latest changes" />
          {segment.recentChanges.length === 0 ? (
            <p className="px-4 py-6 text-center text-sm text-slate-500">No changes yet</p>
          ) : (
            <ol className="max-h-[36rem] divide-y divide-slate-100 overflow-auto">
              {segment.recentChanges.map((c) => (
                <li key={c.id} className="flex items-center justify-between gap-2 px-4 py-2 text-sm">
                  <span className="min-w-0">
                    <Link href={`/users/${c.userId}`} className="block truncate text-slate-800 hover:text-brand-700">
                      {c.name ?? c.email ?? c.userId}
                    </Link>
                    <span className="text-xs text-slate-500">{formatDateTime(c.at)}</span>
                  </span>
                  <Badge tone={c.change === "entered" ? "green" : "slate"}>{c.change === "entered" ? "entered" : "left"}</Badge>
                </li>
              ))}
            </ol>
          )}
        </Card>
      </div>
    </>
  );
}
