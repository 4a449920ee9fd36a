import Link from "next/link";
import { RunJobButton } from "@/components/settings/run-job-button";
import { Badge, Card, CardHeader, PageHeader } from "@/components/ui/primitives";
import { formatDateTime, formatInt } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Jobs" };
export const dynamic = "force-dynamic";

const duration = (ms: number | null) =>
  ms === null ? "—" : ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
const TONE = { ok: "green", error: "red", running: "amber", done: "green", failed: "red", queued: "slate" } as const;

/** Settings → Jobs: what the background work did last, what waits, and "run now" for the scheduled jobs. */
export default async function JobsPage() {
  const caller = await api();
  const [me, data] = await Promise.all([caller.admins.me(), caller.system.jobs()]);
  const canRun = me.role !== "viewer";
  return (
    <>
      <nav className="mb-3 text-sm">
        <Link href="/settings" className="text-slate-600 hover:text-slate-900">
          ← Settings
        </Link>
      </nav>
      <PageHeader
        title="Jobs"
        description={
          data.mode === "in-process"
            ? "Background work runs inside the CRM's own processes, from a queue in Postgres."
            : "Background work runs on Inngest; its dashboard has every run. Here: each job's last run."
        }
      />
      <div className="space-y-6">
        <Card>
          <CardHeader
            title="Scheduled and watched jobs"
            description="Each job's last run: when, how long, how it ended, and where it ran."
          />
          <div className="overflow-x-auto">
            <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="jobs-table">
              <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2.5">
                    Job
                  </th>
                  <th scope="col" className="px-3 py-2.5">
                    Schedule
                  </th>
                  <th scope="col" className="px-3 py-2.5">
                    Last run
                  </th>
                  <th scope="col" className="hidden px-3 py-2.5 sm:table-cell">
                    Took
                  </th>
                  <th scope="col" className="px-3 py-2.5">
                    Outcome
                  </th>
                  <th scope="col" className="hidden px-3 py-2.5 md:table-cell">
                    Runs
                  </th>
                  <th scope="col" className="px-3 py-2.5">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {data.jobs.map((j) => (
                  <tr key={j.id} className="align-top">
                    <td className="px-3 py-2 font-medium text-slate-900">{j.id}</td>
                    <td className="px-3 py-2 font-mono text-xs text-slate-600">{j.schedule ?? "on request"}</td>
                    <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                      {j.lastFinishedAt ? formatDateTime(j.lastFinishedAt) : "Not yet"}
                      {j.runner ? <span className="block text-xs text-slate-500">{j.runner}</span> : null}
                    </td>
                    <td className="hidden px-3 py-2 tabular-nums text-slate-600 sm:table-cell">{duration(j.durationMs)}</td>
                    <td className="px-3 py-2">
                      {j.status ? <Badge tone={TONE[j.status] ?? "slate"}>{j.status}</Badge> : "—"}
                      {j.error ? <span className="mt-0.5 block max-w-[22rem] text-xs text-red-700">{j.error}</span> : null}
                    </td>
                    <td className="hidden px-3 py-2 tabular-nums text-slate-600 md:table-cell">{formatInt(j.runCount)}</td>
                    <td className="px-3 py-2 text-right">{canRun && j.runnable ? <RunJobButton jobId={j.id} /> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
        {data.mode === "in-process" ? (
          <>
            <Card>
              <CardHeader
                title="Queue"
                description="Per kind of work: ready now, waiting for a retry or a later time, running, and the last 24 hours."
              />
              {data.queue.length === 0 ? (
                <p className="px-4 py-6 text-sm text-slate-500">The queue is empty.</p>
              ) : (
                <div className="overflow-x-auto">
                  <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="queue-table">
                    <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-600">
                      <tr>
                        {["Work", "Ready", "Waiting", "Running", "Done (24 h)", "Failed (24 h)"].map((h) => (
                          <th key={h} scope="col" className="px-3 py-2.5">
                            {h}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-slate-100 tabular-nums">
                      {data.queue.map((q) => (
                        <tr key={q.name}>
                          <td className="px-3 py-2 font-mono text-xs text-slate-800">{q.name}</td>
                          <td className="px-3 py-2">{formatInt(q.ready)}</td>
                          <td className="px-3 py-2">{formatInt(q.waiting)}</td>
                          <td className="px-3 py-2">{formatInt(q.running)}</td>
                          <td className="px-3 py-2">{formatInt(q.done24h)}</td>
                          <td className={`px-3 py-2 ${q.failed24h ? "font-semibold text-red-700" : ""}`}>{formatInt(q.failed24h)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Card>
            <Card>
              <CardHeader title="Latest work" description="The 30 newest entries of the queue, with attempts and the last error." />
              <ul className="divide-y divide-slate-100 text-sm">
                {data.recent.map((r) => (
                  <li key={r.id} className="flex flex-col gap-1 px-4 py-2 sm:flex-row sm:items-center sm:justify-between">
                    <span className="min-w-0">
                      <span className="font-mono text-xs text-slate-800">{r.name}</span>{" "}
                      <Badge tone={TONE[r.status as keyof typeof TONE] ?? "slate"}>{r.status}</Badge>
                      {r.attempts > 1 ? <span className="ml-1 text-xs text-slate-600">{r.attempts} attempts</span> : null}
                      {r.error ? <span className="block truncate text-xs text-red-700">{r.error}</span> : null}
                    </span>
                    <span className="shrink-0 text-xs text-slate-600">
                      {formatDateTime(r.createdAt)} · {duration(r.durationMs)}
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          </>
        ) : null}
      </div>
    </>
  );
}
