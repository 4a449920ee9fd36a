import { sql } from "drizzle-orm";
import { bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { inList } from "./in-list";

/** Last run of each background job, shown in health and the UI. */
export const crmJobRuns = pgTable("crm_job_runs", {
  jobId: text("job_id").primaryKey(),
  lastStartedAt: timestamp("last_started_at", { withTimezone: true }),
  lastFinishedAt: timestamp("last_finished_at", { withTimezone: true }),
  lastStatus: text("last_status").$type<"ok" | "error" | "running">(),
  lastError: text("last_error"),
  lastRunner: text("last_runner").$type<"inngest" | "in-process">(),
  runCount: integer("run_count").notNull().default(0),
});

export const JOB_STATUSES = ["queued", "running", "done", "failed"] as const;
export type TJobStatus = (typeof JOB_STATUSES)[number];

/**
 * The in-process engine's queue (without Inngest): every piece of pending
 * background work, durable in Postgres. A worker takes a due job with
 * FOR UPDATE SKIP LOCKED and holds a lease while it runs; a worker that dies
 * stops renewing it, and once it lapses another worker (or the same process
 * after a restart) takes the job again. `concurrency_key`: jobs with the same
 * key never run at once. `dedupe_key`: one row per key (a schedule's tick,
 * whichever instance's clock fired first).
 */
export const crmJobQueue = pgTable(
  "crm_job_queue",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    name: text("name").notNull(),
    data: jsonb("data").notNull().default({}),
    status: text("status").$type<TJobStatus>().notNull().default("queued"),
    runAt: timestamp("run_at", { withTimezone: true }).notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    concurrencyKey: text("concurrency_key"),
    dedupeKey: text("dedupe_key"),
    leaseOwner: text("lease_owner"),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("crm_job_queue_due_idx").on(t.runAt, t.id).where(sql`${t.status} IN ('queued', 'running')`),
    index("crm_job_queue_key_idx").on(t.concurrencyKey).where(sql`${t.status} = 'running'`),
    index("crm_job_queue_finished_idx").on(t.finishedAt),
    uniqueIndex("crm_job_queue_dedupe_idx").on(t.dedupeKey),
    check("crm_job_queue_status_check", sql`${t.status} IN (${inList(JOB_STATUSES)})`),
  ],
);
