import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { jobEvent, type TJobEventName } from "@/server/jobs/events";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";
import { lastJobRuns } from "./job-runs";

/** A job as the Jobs page lists it (from the job catalogue, passed in by the transport). */
export type TJobInfo = { id: string; event: TJobEventName; schedule: string | null; runnable: boolean };

const n = (v: unknown) => Number(v ?? 0);

/**
 * What the background work is doing: each job's last run (mode, duration,
 * outcome, error) and run count; and, without Inngest, the queue: per event,
 * how many wait (now or for a retry), run, finished or failed in the last
 * 24 hours, and the latest 30 entries with their attempts and errors.
 */
export async function jobOverview({ ctx, input }: TServiceArgs<{ jobs: TJobInfo[] }>) {
  const runs = await lastJobRuns(ctx.db);
  const byId = new Map(runs.map((r) => [r.jobId, r]));
  const queue = await executeRows<Record<string, string | number>>(
    ctx.db,
    sql`SELECT name,
          count(*) FILTER (WHERE status = 'queued' AND run_at <= now()) AS ready,
          count(*) FILTER (WHERE status = 'queued' AND run_at > now()) AS waiting,
          count(*) FILTER (WHERE status = 'running') AS running,
          count(*) FILTER (WHERE status = 'done' AND finished_at > now() - interval '24 hours') AS done24h,
          count(*) FILTER (WHERE status = 'failed' AND finished_at > now() - interval '24 hours') AS failed24h
        FROM crm_job_queue GROUP BY name ORDER BY name`,
  );
  const recent = await executeRows<{
    id: string | number;
    name: string;
    status: string;
    attempts: number;
    created_at: Date | string;
    run_at: Date | string;
    finished_at: Date | string | null;
    last_error: string | null;
  }>(
    ctx.db,
    sql`SELECT id, name, status, attempts, created_at, run_at, finished_at, last_error FROM crm_job_queue ORDER BY id DESC LIMIT 30`,
  );
  return {
    jobs: input.jobs.map((j) => {
      const r = byId.get(j.id);
      return {
        ...j,
        lastStartedAt: r?.lastStartedAt ?? null,
        lastFinishedAt: r?.lastFinishedAt ?? null,
        durationMs: r?.lastStartedAt && r.lastFinishedAt ? r.lastFinishedAt.getTime() - r.lastStartedAt.getTime() : null,
        status: r?.lastStatus ?? null,
        error: r?.lastError ?? null,
        runner: r?.lastRunner ?? null,
        runCount: r?.runCount ?? 0,
      };
    }),
    queue: queue.map((q) => ({
      name: String(q.name),
      ready: n(q.ready),
      waiting: n(q.waiting),
      running: n(q.running),
      done24h: n(q.done24h),
      failed24h: n(q.failed24h),
    })),
    recent: recent.map((r) => ({
      id: Number(r.id),
      name: r.name,
      status: r.status,
      attempts: Number(r.attempts),
      createdAt: new Date(r.created_at),
      runAt: new Date(r.run_at),
      finishedAt: r.finished_at ? new Date(r.finished_at) : null,
      durationMs: r.finished_at ? new Date(r.finished_at).getTime() - new Date(r.created_at).getTime() : null,
      error: r.last_error ? r.last_error.split("\n")[0]?.slice(0, 300) : null,
    })),
  };
}

/** "Run now" for a scheduled job: its event, through whichever engine runs jobs; audited. */
export async function requestJobRun({ ctx, input }: TServiceArgs<{ job: TJobInfo }, AdminActor>) {
  if (!input.job.runnable) throw new InvalidInputError(`“${input.job.id}” runs when something asks for it; it cannot be run by hand`);
  const dispatched = await ctx.jobs.enqueue(jobEvent(input.job.event as "crm/heartbeat.requested", { requestedBy: ctx.actor.email }));
  await writeAuditLog(ctx.db, ctx.actor, { action: "job.requested", targetType: "job", targetId: input.job.id, after: dispatched });
  return dispatched;
}
