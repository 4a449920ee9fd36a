import { eq } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { crmUserSegments } from "@/server/db/schema";
import { dispatchEvent } from "@/server/jobs/dispatch";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor } from "../context";
import { NotFoundError } from "../errors";

/** "Recompute now": one segment (or all of them) through the background job. */
export async function requestSegmentRecompute(ctx: { db: Db; actor: AdminActor }, segmentId: string | null) {
  if (segmentId) {
    const [row] = await ctx.db.select({ id: crmUserSegments.id }).from(crmUserSegments).where(eq(crmUserSegments.id, segmentId));
    if (!row) throw new NotFoundError("That segment does not exist (it may have been deleted)");
  }
  const dispatched = segmentId
    ? await dispatchEvent(ctx.db, { name: "crm/segment.recompute.requested", data: { segmentId, requestedBy: ctx.actor.email } })
    : await dispatchEvent(ctx.db, { name: "crm/segments.recompute.requested", data: { requestedBy: ctx.actor.email } });
  await writeAuditLog(ctx.db, ctx.actor, {
    action: "job.requested",
    targetType: segmentId ? "segment" : "job",
    targetId: segmentId ?? "recompute-segments",
    after: dispatched,
  });
  return dispatched;
}
