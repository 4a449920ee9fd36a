import { eq, sql } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { executeRows } from "@/server/db/client";
import { crmCampaigns } from "@/server/db/schema";
import { dispatchEvent } from "@/server/jobs/dispatch";
import type { Actor, AdminActor, ServiceCtx } from "../context";
import { InvalidInputError } from "../errors";
import { startCampaignSend } from "./deliver-campaign";
import { getCampaign } from "./manage-campaigns";

/**
 * The seed's sendToSegment(segmentId, campaignId): points a draft at the
 * segment, snapshots the recipients and hands delivery to the background job
 * (Inngest when configured, else this process).
 */
export async function sendToSegment(ctx: ServiceCtx<AdminActor> & { db: Db }, input: { segmentId: string; campaignId: string }) {
  const c = await getCampaign(ctx.db, input.campaignId);
  if (c.segmentId !== input.segmentId) {
    if (c.status !== "draft") throw new InvalidInputError(`“${c.name}” is ${c.status}; its audience can no longer change`);
    await ctx.db.update(crmCampaigns).set({ segmentId: input.segmentId, updatedAt: new Date() }).where(eq(crmCampaigns.id, c.id));
  }
  const started = await startCampaignSend(ctx.db, ctx.actor, c.id);
  const dispatched = await dispatchEvent(ctx.db, {
    name: "crm/campaign.send.requested",
    data: { campaignId: c.id, requestedBy: ctx.actor.email },
  });
  return { campaign: started, dispatched };
}

/** Scheduled campaigns whose time has come: start each (one failing does not stop the others) and hand them to delivery. */
export async function startDueCampaigns(db: Db, actor: Actor, now = new Date()) {
  const due = await executeRows<{ id: string }>(
    db,
    sql`SELECT id FROM crm_campaigns WHERE status = 'scheduled' AND scheduled_at <= ${now.toISOString()}::timestamptz ORDER BY scheduled_at`,
  );
  const started: string[] = [];
  const failed: { id: string; error: string }[] = [];
  for (const { id } of due) {
    try {
      await startCampaignSend(db, actor, id);
      started.push(id);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await db.update(crmCampaigns).set({ status: "failed", lastError: message, finishedAt: new Date() }).where(eq(crmCampaigns.id, id));
      failed.push({ id, error: message });
    }
  }
  return { started, failed };
}
