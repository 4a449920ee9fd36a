import { jobEvent } from "@/server/jobs/events";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { readRollupState } from "./rollups/refresh-analytics-rollups";

/** Asks for the rollups to move forward now (numbers are exact either way; this makes them cheaper). */
export async function requestAnalyticsRefresh({ ctx }: TServiceArgs<void, AdminActor>) {
  const dispatched = await ctx.jobs.enqueue(jobEvent("crm/analytics.refresh.requested", { requestedBy: ctx.actor.email }));
  await writeAuditLog(ctx.db, ctx.actor, { action: "job.requested", targetType: "job", targetId: "refresh-analytics", after: dispatched });
  return dispatched;
}

export async function getRollupStatus({ ctx }: TServiceArgs<void>) {
  const state = await readRollupState(ctx.db);
  return { refreshedAt: state.refreshedAt };
}
