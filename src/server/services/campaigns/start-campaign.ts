import { eq, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { crmCampaigns } from "@/server/db/schema";
import { srcSchema } from "@/server/db/source";
import { MAX_BATCH } from "@/server/email/types";
import { jobEvent } from "@/server/jobs/events";
import type { AdminActor, TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";
import { cappedUsersSql, messagingRules, quietUntil } from "../messaging/messaging-rules";
import { recomputeSegment } from "../segments/recompute-segment";
import { failCampaign } from "./lifecycle";
import { assertReady, getCampaign } from "./manage-campaigns";
import { assertTransition, lockCampaign, moveCampaign, type TCampaign } from "./transitions";

/*
 * The audience snapshot: when a campaign starts, its segment is recomputed,
 * and every member whose address is not suppressed and who has not reached
 * the channel's frequency cap becomes one recipient row with a fixed batch
 * number (100 a batch). In quiet hours an email or push campaign waits for
 * their end instead of starting. Delivery (deliver-batch.ts) then
 * sends those rows, never anyone else.
 */

/**
 * Snapshots the recipients and moves the campaign to sending. With
 * `onlyIfScheduled` (the schedule's starter) a campaign someone else started
 * meanwhile is left alone: `null`, not an error, so a lost race between two
 * instances is never recorded as a failure.
 */
export async function startCampaignSend({
  ctx,
  input,
}: TServiceArgs<{ campaignId: string; onlyIfScheduled?: boolean }>): Promise<TCampaign | null> {
  const before = await getCampaign({ ctx, input: { id: input.campaignId } });
  if (input.onlyIfScheduled && before.status !== "scheduled") return null;
  await assertReady(ctx.db, before, ctx.push);
  if (!before.segmentId) throw new InvalidInputError("Choose a segment");
  const rules = await messagingRules(ctx.db);
  const quiet = quietUntil(rules, before.type, ctx.clock());
  if (quiet) {
    // Quiet hours: a scheduled campaign stays scheduled until they end (the starter looks every minute); "send now" is scheduled for their end.
    if (input.onlyIfScheduled) return null;
    return ctx.db.transaction(async (tx) =>
      moveCampaign(tx, ctx.actor, await lockCampaign(tx, input.campaignId), "scheduled", {
        action: "campaign.scheduled",
        set: { scheduledAt: quiet, scheduleTimezone: rules.quietHours?.timeZone ?? "UTC" },
        audit: { scheduledAt: quiet, heldBy: "quiet hours" },
      }),
    );
  }
  await recomputeSegment({ ctx, input: { segmentId: before.segmentId } });
  const S = srcSchema();
  return ctx.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, input.campaignId);
    if (input.onlyIfScheduled && c.status !== "scheduled") return null;
    // Checked before the snapshot, not only when moving: a draft or scheduled campaign has no recipient rows yet,
    // so the insert below meets no conflicts and needs no arbiter.
    assertTransition(c.status, "sending", c.name);
    if (!c.segmentId) throw new InvalidInputError("Choose a segment");
    let version: number | null = null;
    if (c.templateId) {
      const [t] = await executeRows<{ current_version: number }>(
        tx,
        sql`SELECT current_version FROM crm_email_templates WHERE id = ${c.templateId}`,
      );
      version = t ? Number(t.current_version) : null;
    }
    // Email skips suppressed addresses; push reaches members with a subscribed device (the browser's permission is the consent).
    const eligible =
      c.type === "email"
        ? sql`AND NOT EXISTS (SELECT 1 FROM crm_suppressions x WHERE x.email = lower(u.email))`
        : c.type === "push"
          ? sql`AND EXISTS (SELECT 1 FROM crm_push_subscriptions s WHERE s.user_id = u.id)`
          : sql``;
    // One set-based insert: row numbers give each recipient its batch of up to 100; members at the channel's frequency cap are left out and counted.
    // In user order (the unique key and the per-user index are then written from end to end, like the time-ordered
    // id); with a million members, sorting and joining them in memory.
    await tx.execute(sql`SET LOCAL work_mem = '128MB'`);
    const [snap] = await executeRows<{ n: string | number; capped: string | number }>(
      tx,
      sql`WITH capped AS (${cappedUsersSql(rules, c.type, ctx.clock())}),
          cand AS (
            SELECT u.id, u.email, EXISTS (SELECT 1 FROM capped WHERE capped.user_id = u.id) AS is_capped
            FROM crm_segment_members sm JOIN ${S}.users u ON u.id = sm.user_id
            WHERE sm.segment_id = ${c.segmentId}::uuid ${eligible}),
          ins AS (
            INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, batch_no)
            SELECT ${c.id}::uuid, id, email, 'queued', ((row_number() OVER (ORDER BY id)) - 1) / ${MAX_BATCH}
            FROM cand WHERE NOT is_capped ORDER BY id
            RETURNING 1)
          SELECT (SELECT count(*) FROM ins) AS n, (SELECT count(*) FROM cand WHERE is_capped) AS capped`,
    );
    const total = Number(snap?.n ?? 0);
    const capped = Number(snap?.capped ?? 0);
    // Push: one row per subscribed device of each recipient, as of now; delivery sends exactly these.
    const devices = c.type === "push" ? await snapshotDevices(tx, c.id) : undefined;
    return moveCampaign(tx, ctx.actor, c, "sending", {
      action: "campaign.sending",
      set: { startedAt: ctx.clock(), totalRecipients: total, cappedCount: capped, templateVersion: version },
      audit: { totalRecipients: total, capped, templateVersion: version, ...(devices !== undefined ? { devices } : {}) },
    });
  });
}

async function snapshotDevices(tx: DbOrTx, campaignId: string): Promise<number> {
  const [row] = await executeRows<{ n: string | number }>(
    tx,
    sql`WITH ins AS (
          INSERT INTO crm_push_deliveries (user_id, campaign_id, tracking_id, subscription_id, push_service)
          SELECT t.user_id, t.campaign_id, t.id, s.id, substring(s.endpoint from '^[a-z]+://([^/?#]+)')
          FROM crm_campaign_tracking t JOIN crm_push_subscriptions s ON s.user_id = t.user_id
          WHERE t.campaign_id = ${campaignId}::uuid
          ON CONFLICT (tracking_id, subscription_id) DO NOTHING
          RETURNING 1)
        SELECT count(*) AS n FROM ins`,
  );
  return Number(row?.n ?? 0);
}

/**
 * A template sent to chosen users: a small email campaign of its own (its
 * own report and recipients), created and snapshotted in one transaction —
 * the chosen users whose address is not suppressed, in batches of 100 — and
 * then delivered by the same durable, throttled, idempotent jobs as every
 * campaign. Nothing is sent inside the caller's request.
 */
export async function startChosenUsersSend({
  ctx,
  input,
}: TServiceArgs<{ name: string; templateId: string; templateVersion: number; userIds: string[] }, AdminActor>) {
  const S = srcSchema();
  const started = await ctx.db.transaction(async (tx) => {
    const [c] = await tx
      .insert(crmCampaigns)
      .values({ name: input.name, type: "email", templateId: input.templateId, createdById: ctx.actor.id })
      .returning();
    if (!c) throw new Error("insert returned nothing");
    const ids = sql.join(
      input.userIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    );
    const [snap] = await executeRows<{ n: string | number }>(
      tx,
      sql`WITH ins AS (
            INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, batch_no)
            SELECT ${c.id}::uuid, u.id, u.email, 'queued', ((row_number() OVER (ORDER BY u.id)) - 1) / ${MAX_BATCH}
            FROM ${S}.users u
            WHERE u.id IN (${ids}) AND NOT EXISTS (SELECT 1 FROM crm_suppressions x WHERE x.email = lower(u.email))
            RETURNING 1)
          SELECT count(*) AS n FROM ins`,
    );
    const total = Number(snap?.n ?? 0);
    return moveCampaign(tx, ctx.actor, c, "sending", {
      action: "campaign.sending",
      set: { startedAt: ctx.clock(), totalRecipients: total, templateVersion: input.templateVersion },
      audit: { totalRecipients: total, templateVersion: input.templateVersion, audience: "chosen users" },
    });
  });
  const dispatched = await ctx.jobs.enqueue(
    jobEvent("crm/campaign.send.requested", { campaignId: started.id, requestedBy: ctx.actor.email }),
  );
  return { campaign: started, dispatched };
}

/**
 * The seed's sendToSegment(segmentId, campaignId): points a draft at the
 * segment, snapshots the recipients and asks for delivery in the background.
 */
export async function sendToSegment({ ctx, input }: TServiceArgs<{ segmentId: string; campaignId: string }, AdminActor>) {
  const c = await getCampaign({ ctx, input: { id: input.campaignId } });
  if (c.segmentId !== input.segmentId) {
    if (c.status !== "draft") throw new InvalidInputError(`“${c.name}” is ${c.status}; its audience can no longer change`);
    await ctx.db.update(crmCampaigns).set({ segmentId: input.segmentId, updatedAt: ctx.clock() }).where(eq(crmCampaigns.id, c.id));
  }
  const started = await startCampaignSend({ ctx, input: { campaignId: c.id } });
  if (!started) throw new Error("unreachable: a campaign started on request is never skipped");
  // Held by quiet hours: scheduled for their end, nothing to deliver yet.
  if (started.status !== "sending") return { campaign: started, dispatched: null };
  const dispatched = await ctx.jobs.enqueue(jobEvent("crm/campaign.send.requested", { campaignId: c.id, requestedBy: ctx.actor.email }));
  return { campaign: started, dispatched };
}

/**
 * Scheduled campaigns whose time has come: each started exactly once however
 * many instances look (a lost race is skipped, not failed), one failing
 * (its template archived since) does not stop the others and is marked
 * failed with its reason.
 */
export async function startDueCampaigns({ ctx }: TServiceArgs<void>) {
  const now = ctx.clock();
  const due = await executeRows<{ id: string }>(
    ctx.db,
    sql`SELECT id FROM crm_campaigns WHERE status = 'scheduled' AND scheduled_at <= ${now.toISOString()}::timestamptz ORDER BY scheduled_at`,
  );
  const started: string[] = [];
  const failed: { id: string; error: string }[] = [];
  for (const { id } of due) {
    try {
      if (await startCampaignSend({ ctx, input: { campaignId: id, onlyIfScheduled: true } })) started.push(id);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await failCampaign({ ctx, input: { campaignId: id, reason: `Could not start at its scheduled time: ${reason}` } });
      failed.push({ id, error: reason });
    }
  }
  return { started, failed };
}
