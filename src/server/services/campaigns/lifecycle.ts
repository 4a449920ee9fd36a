import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { jobEvent } from "@/server/jobs/events";
import { ZScheduleCampaignInput } from "@/shared/schemas/campaigns";
import { zonedTimeToUtc } from "@/shared/zoned-time";
import type { AdminActor, TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";
import { assertReady } from "./manage-campaigns";
import { lockCampaign, moveCampaign, type TCampaign } from "./transitions";

/*
 * Status changes after creation, each through moveCampaign (transitions.ts).
 * Pausing and canceling take effect between batches: a batch already handed
 * to the provider completes. Resuming asks for delivery again, which sends
 * the batches still unsent (in either engine).
 */

export async function scheduleCampaign({ ctx, input: raw }: TServiceArgs<{ id: string; localTime: string; timezone: string }, AdminActor>) {
  const input = ZScheduleCampaignInput.parse(raw);
  const at = zonedTimeToUtc(input.localTime, input.timezone);
  if (at.getTime() <= ctx.clock().getTime() + 60_000) throw new InvalidInputError("Schedule at least a minute from now, or send now");
  return ctx.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, input.id);
    await assertReady(tx, c, ctx.push);
    return moveCampaign(tx, ctx.actor, c, "scheduled", {
      action: "campaign.scheduled",
      set: { scheduledAt: at, scheduleTimezone: input.timezone },
      audit: { scheduledAt: at, timezone: input.timezone },
    });
  });
}

const simpleMove =
  (to: TCampaign["status"], action: string, set: (now: Date) => Partial<TCampaign> = () => ({})) =>
  async ({ ctx, input }: TServiceArgs<{ id: string }, AdminActor>) =>
    ctx.db.transaction(async (tx) => moveCampaign(tx, ctx.actor, await lockCampaign(tx, input.id), to, { action, set: set(ctx.clock()) }));

export const pauseCampaign = simpleMove("paused", "campaign.paused");
export const cancelCampaign = simpleMove("canceled", "campaign.canceled", (now) => ({ finishedAt: now }));
export const unscheduleCampaign = simpleMove("draft", "campaign.unscheduled", () => ({ scheduledAt: null }));

/** Back to sending, and delivery asked for again: it continues from the first unsent batch. */
export async function resumeCampaign({ ctx, input }: TServiceArgs<{ id: string }, AdminActor>) {
  const after = await ctx.db.transaction(async (tx) =>
    moveCampaign(tx, ctx.actor, await lockCampaign(tx, input.id), "sending", { action: "campaign.resumed" }),
  );
  await ctx.jobs.enqueue(jobEvent("crm/campaign.send.requested", { campaignId: after.id, requestedBy: ctx.actor.email }));
  return after;
}

/** A campaign that cannot go on (a batch the provider refuses for good, retries used up), with the reason on it. */
export async function failCampaign({ ctx, input }: TServiceArgs<{ campaignId: string; reason: string }>) {
  return ctx.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, input.campaignId);
    if (c.status !== "sending" && c.status !== "scheduled") return c; // paused, canceled or done meanwhile: nothing to fail
    return moveCampaign(tx, ctx.actor, c, "failed", {
      action: "campaign.failed",
      set: { lastError: input.reason.slice(0, 1000), finishedAt: ctx.clock() },
      audit: { reason: input.reason },
    });
  });
}

/** Marks a sending campaign sent once no recipient is left queued. */
export async function finishIfDone({ ctx, input }: TServiceArgs<{ campaignId: string }>): Promise<boolean> {
  const anyQueued = async (db: typeof ctx.db) =>
    (
      await executeRows<{ one: number }>(
        db,
        sql`SELECT 1 AS one FROM crm_campaign_tracking WHERE campaign_id = ${input.campaignId}::uuid AND status = 'queued' LIMIT 1`,
      )
    ).length > 0;
  // Every batch but the last stops here, on one index lookup, without locking the campaign.
  if (await anyQueued(ctx.db)) return false;
  return ctx.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, input.campaignId);
    if (c.status !== "sending" || (await anyQueued(tx))) return false;
    await moveCampaign(tx, ctx.actor, c, "sent", { action: "campaign.sent", set: { sentAt: ctx.clock(), finishedAt: ctx.clock() } });
    return true;
  });
}
