import type { Db } from "@/server/db/client";
import { dispatchEvent } from "@/server/jobs/dispatch";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor } from "../context";
import { readRollupState } from "./rollups/refresh-analytics-rollups";

/** Asks for the rollups to move forward now (numbers are exact either way; this makes them cheaper). */
export async function requestAnalyticsRefresh(ctx: { db: Db; actor: AdminActor }) {
  const dispatched = await dispatchEvent(ctx.db, { name: "crm/analytics.refresh.requested", data: { requestedBy: ctx.actor.email } });
  await writeAuditLog(ctx.db, ctx.actor, { action: "job.requested", targetType: "job", targetId: "refresh-analytics", after: dispatched });
  return dispatched;
}

export async function getRollupStatus(db: Db) {
  const state = await readRollupState(db);
  return { refreshedAt: state.refreshedAt };
}
