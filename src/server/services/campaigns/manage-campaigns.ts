import { desc, eq, sql } from "drizzle-orm";
import { type Db, type DbOrTx, executeRows } from "@/server/db/client";
import { crmCampaigns, crmEmailTemplates, crmUserSegments } from "@/server/db/schema";
import { srcSchema } from "../analytics/source";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, ServiceCtx } from "../context";
import { InvalidInputError, NotFoundError } from "../errors";
import {
  type TCreateCampaignInput,
  type TUpdateCampaignInput,
  ZCreateCampaignInput,
  ZScheduleCampaignInput,
  ZUpdateCampaignInput,
} from "./schemas";
import { assertTransition, type TCampaignStatus } from "./transitions";

type TCtx = ServiceCtx<AdminActor> & { db: Db };
export type TCampaign = typeof crmCampaigns.$inferSelect;

const PUSH_NOT_CONFIGURED = "Push campaigns are not configured: no push provider is set up. Use email or in-app.";

async function lockCampaign(tx: DbOrTx, id: string): Promise<TCampaign> {
  const [c] = await tx.select().from(crmCampaigns).where(eq(crmCampaigns.id, id)).for("update");
  if (!c) throw new NotFoundError("That campaign does not exist");
  return c;
}

export async function createCampaign(ctx: TCtx, rawInput: TCreateCampaignInput) {
  const input = ZCreateCampaignInput.parse(rawInput);
  if (input.type === "push") throw new InvalidInputError(PUSH_NOT_CONFIGURED);
  return ctx.db.transaction(async (tx) => {
    const [c] = await tx
      .insert(crmCampaigns)
      .values({
        name: input.name,
        type: input.type,
        segmentId: input.segmentId ?? null,
        templateId: input.templateId ?? null,
        subject: input.subject || null,
        content: input.content ?? "",
        createdById: ctx.actor.id,
      })
      .returning();
    if (!c) throw new Error("insert returned nothing");
    await writeAuditLog(tx, ctx.actor, { action: "campaign.created", targetType: "campaign", targetId: c.id, after: input });
    return c;
  });
}

/** Edits a draft (a scheduled campaign goes back to draft first, so what is scheduled is what was reviewed). */
export async function updateCampaign(ctx: TCtx, rawInput: TUpdateCampaignInput) {
  const input = ZUpdateCampaignInput.parse(rawInput);
  return ctx.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, input.id);
    if (c.status !== "draft") throw new InvalidInputError(`Only drafts can be edited; “${c.name}” is ${c.status}`);
    const [after] = await tx
      .update(crmCampaigns)
      .set({
        name: input.name ?? c.name,
        segmentId: input.segmentId !== undefined ? input.segmentId : c.segmentId,
        templateId: input.templateId !== undefined ? input.templateId : c.templateId,
        subject: input.subject !== undefined ? input.subject || null : c.subject,
        content: input.content ?? c.content,
        updatedAt: new Date(),
      })
      .where(eq(crmCampaigns.id, c.id))
      .returning();
    await writeAuditLog(tx, ctx.actor, { action: "campaign.updated", targetType: "campaign", targetId: c.id, before: c, after });
    return after ?? c;
  });
}

/** What a campaign needs before it can be scheduled or sent; the message names what is missing. */
export async function assertReady(db: DbOrTx, c: TCampaign) {
  if (c.type === "push") throw new InvalidInputError(PUSH_NOT_CONFIGURED);
  if (!c.segmentId) throw new InvalidInputError(`“${c.name}” has no audience: choose a segment`);
  if (c.type === "email") {
    if (c.templateId) {
      const [t] = await db
        .select({ status: crmEmailTemplates.status })
        .from(crmEmailTemplates)
        .where(eq(crmEmailTemplates.id, c.templateId));
      if (!t) throw new InvalidInputError("The campaign's template no longer exists: choose another");
      if (t.status === "archived") throw new InvalidInputError("The campaign's template is archived: restore it or choose another");
    } else if (!c.subject || !c.content.trim()) {
      throw new InvalidInputError(`“${c.name}” needs a template, or a subject and content`);
    }
  } else if (!c.content.trim()) {
    throw new InvalidInputError(`“${c.name}” needs content for the in-app message`);
  }
}

/**
 * The UTC instant of a wall-clock time in a timezone. A time skipped by a DST
 * change (02:30 on a spring-forward night) means the moment after the gap; a
 * time that happens twice means its first occurrence.
 */
export function zonedTimeToUtc(localTime: string, timeZone: string): Date {
  const asUtc = Date.parse(`${localTime}:00Z`);
  const offsetAt = (t: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      })
        .formatToParts(new Date(t))
        .map((p) => [p.type, p.value]),
    );
    const wall = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    return wall - t;
  };
  const first = asUtc - offsetAt(asUtc);
  const second = asUtc - offsetAt(first);
  const exact = [first, second].filter((t) => t + offsetAt(t) === asUtc);
  return new Date(exact.length ? Math.min(...exact) : Math.max(first, second));
}

export async function scheduleCampaign(ctx: TCtx, rawInput: { id: string; localTime: string; timezone: string }, now = new Date()) {
  const input = ZScheduleCampaignInput.parse(rawInput);
  const at = zonedTimeToUtc(input.localTime, input.timezone);
  if (at.getTime() <= now.getTime() + 60_000) throw new InvalidInputError("Schedule at least a minute from now, or send now");
  return ctx.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, input.id);
    assertTransition(c.status, "scheduled", c.name);
    await assertReady(tx, c);
    const [after] = await tx
      .update(crmCampaigns)
      .set({ status: "scheduled", scheduledAt: at, scheduleTimezone: input.timezone, updatedAt: new Date() })
      .where(eq(crmCampaigns.id, c.id))
      .returning();
    await writeAuditLog(tx, ctx.actor, {
      action: "campaign.scheduled",
      targetType: "campaign",
      targetId: c.id,
      after: { scheduledAt: at, timezone: input.timezone },
    });
    return after ?? c;
  });
}

async function move(ctx: TCtx, id: string, to: TCampaignStatus, action: string, extra: Partial<TCampaign> = {}) {
  return ctx.db.transaction(async (tx) => {
    const c = await lockCampaign(tx, id);
    assertTransition(c.status, to, c.name);
    const [after] = await tx
      .update(crmCampaigns)
      .set({ status: to, updatedAt: new Date(), ...extra })
      .where(eq(crmCampaigns.id, c.id))
      .returning();
    await writeAuditLog(tx, ctx.actor, {
      action,
      targetType: "campaign",
      targetId: c.id,
      before: { status: c.status },
      after: { status: to },
    });
    return after ?? c;
  });
}

/** Pausing and canceling take effect between batches: a batch already handed to the provider completes. */
export const pauseCampaign = (ctx: TCtx, id: string) => move(ctx, id, "paused", "campaign.paused");
export const resumeCampaign = (ctx: TCtx, id: string) => move(ctx, id, "sending", "campaign.resumed");
export const cancelCampaign = (ctx: TCtx, id: string) => move(ctx, id, "canceled", "campaign.canceled", { finishedAt: new Date() });
export const unscheduleCampaign = (ctx: TCtx, id: string) => move(ctx, id, "draft", "campaign.unscheduled", { scheduledAt: null });

export async function duplicateCampaign(ctx: TCtx, id: string) {
  const [c] = await ctx.db.select().from(crmCampaigns).where(eq(crmCampaigns.id, id));
  if (!c) throw new NotFoundError("That campaign does not exist");
  return createCampaign(ctx, {
    name: `Copy of ${c.name}`.slice(0, 120),
    type: c.type,
    segmentId: c.segmentId,
    templateId: c.templateId,
    subject: c.subject ?? undefined,
    content: c.content,
  });
}

/** Campaigns, newest first, with headline numbers: opens and clicks as shares of delivered emails. */
export async function listCampaigns(db: DbOrTx) {
  const rows = await db
    .select({
      id: crmCampaigns.id,
      name: crmCampaigns.name,
      type: crmCampaigns.type,
      status: crmCampaigns.status,
      segmentName: crmUserSegments.name,
      scheduledAt: crmCampaigns.scheduledAt,
      sentAt: crmCampaigns.sentAt,
      totalRecipients: crmCampaigns.totalRecipients,
      sentCount: crmCampaigns.sentCount,
      failedCount: crmCampaigns.failedCount,
      createdAt: crmCampaigns.createdAt,
      delivered: sql<number>`(SELECT count(*)::int FROM crm_campaign_tracking t WHERE t.campaign_id = ${crmCampaigns.id}
        AND (t.delivered_at IS NOT NULL OR t.first_opened_at IS NOT NULL OR t.first_clicked_at IS NOT NULL))`,
      opened: sql<number>`(SELECT count(*)::int FROM crm_campaign_tracking t WHERE t.campaign_id = ${crmCampaigns.id}
        AND (t.first_opened_at IS NOT NULL OR t.first_clicked_at IS NOT NULL))`,
      clicked: sql<number>`(SELECT count(*)::int FROM crm_campaign_tracking t WHERE t.campaign_id = ${crmCampaigns.id} AND t.first_clicked_at IS NOT NULL)`,
    })
    .from(crmCampaigns)
    .leftJoin(crmUserSegments, eq(crmUserSegments.id, crmCampaigns.segmentId))
    .orderBy(desc(crmCampaigns.createdAt));
  return rows.map((r) => ({
    ...r,
    openRate: r.delivered ? Number(r.opened) / Number(r.delivered) : null,
    clickRate: r.delivered ? Number(r.clicked) / Number(r.delivered) : null,
  }));
}

export async function getCampaign(db: DbOrTx, id: string) {
  const [c] = await db.select().from(crmCampaigns).where(eq(crmCampaigns.id, id));
  if (!c) throw new NotFoundError("That campaign does not exist");
  return c;
}

/** Who would get it now: the segment's members whose address is not suppressed (email only). */
export async function audienceCount(db: DbOrTx, segmentId: string, type: "email" | "in_app") {
  const S = srcSchema();
  const [row] = await executeRows<{ members: string | number; eligible: string | number }>(
    db,
    sql`SELECT count(*) AS members,
          count(*) FILTER (WHERE ${type === "in_app" ? sql`true` : sql`NOT EXISTS (SELECT 1 FROM crm_suppressions x WHERE x.email = lower(u.email))`}) AS eligible
        FROM crm_segment_members sm JOIN ${S}.users u ON u.id = sm.user_id WHERE sm.segment_id = ${segmentId}::uuid`,
  );
  const members = Number(row?.members ?? 0);
  const eligible = Number(row?.eligible ?? 0);
  return { members, eligible, suppressed: members - eligible };
}
