import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

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
