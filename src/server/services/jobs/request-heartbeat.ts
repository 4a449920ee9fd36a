import type { Db } from "@/server/db/client";
import { dispatchEvent } from "@/server/jobs/dispatch";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor } from "../context";

/** Runs the heartbeat job now (through Inngest when configured). */
export async function requestHeartbeat(ctx: { db: Db; actor: AdminActor }) {
  const dispatched = await dispatchEvent(ctx.db, { name: "crm/heartbeat.requested", data: { requestedBy: ctx.actor.email } });
  await writeAuditLog(ctx.db, ctx.actor, { action: "job.requested", targetType: "job", targetId: "heartbeat", after: dispatched });
  return dispatched;
}
