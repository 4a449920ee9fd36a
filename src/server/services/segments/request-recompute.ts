import { eq } from "drizzle-orm";
import { crmUserSegments } from "@/server/db/schema";
import { jobEvent } from "@/server/jobs/events";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { NotFoundError } from "../errors";

/** "Recompute now": one segment (or all of them) through the background job. */
export async function requestSegmentRecompute({ ctx, input }: TServiceArgs<{ id: string | null }, AdminActor>) {
  const segmentId = input.id;
  if (segmentId) {
    const [row] = await ctx.db.select({ id: crmUserSegments.id }).from(crmUserSegments).where(eq(crmUserSegments.id, segmentId));
    if (!row) throw new NotFoundError("That segment does not exist (it may have been deleted)");
  }
  const dispatched = await ctx.jobs.enqueue(
    segmentId
      ? jobEvent("crm/segment.recompute.requested", { segmentId, requestedBy: ctx.actor.email })
      : jobEvent("crm/segments.recompute.requested", { requestedBy: ctx.actor.email }),
  );
  await writeAuditLog(ctx.db, ctx.actor, {
    action: "job.requested",
    targetType: segmentId ? "segment" : "job",
    targetId: segmentId ?? "recompute-segments",
    after: dispatched,
  });
  return dispatched;
}
