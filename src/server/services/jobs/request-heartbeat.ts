import { jobEvent } from "@/server/jobs/events";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";

/** Runs the heartbeat job now, through whichever engine runs jobs. */
export async function requestHeartbeat({ ctx }: TServiceArgs<void, AdminActor>) {
  const dispatched = await ctx.jobs.enqueue(jobEvent("crm/heartbeat.requested", { requestedBy: ctx.actor.email }));
  await writeAuditLog(ctx.db, ctx.actor, { action: "job.requested", targetType: "job", targetId: "heartbeat", after: dispatched });
  return dispatched;
}
