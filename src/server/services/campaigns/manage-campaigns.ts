import { desc, eq, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { crmCampaigns, crmEmailTemplates, crmUserSegments } from "@/server/db/schema";
import { srcSchema } from "@/server/db/source";
import {
  type TCreateCampaignInput,
  type TUpdateCampaignInput,
  ZCreateCampaignInput,
  ZUpdateCampaignInput,
} from "@/shared/schemas/campaigns";
import { plainTextProblems } from "@/shared/templates/plain-text";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { InvalidInputError, NotFoundError } from "../errors";
import { lockCampaign, type TCampaign } from "./transitions";

export type { TCampaign };

export const PUSH_NOT_CONFIGURED = "Push campaigns are not configured: no push provider is set up. Use email or in-app.";

export async function createCampaign({ ctx, input: raw }: TServiceArgs<TCreateCampaignInput, AdminActor>) {
  const input = ZCreateCampaignInput.parse(raw);
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
export async function updateCampaign({ ctx, input: raw }: TServiceArgs<TUpdateCampaignInput, AdminActor>) {
  const input = ZUpdateCampaignInput.parse(raw);
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
  } else {
    const problems = [...plainTextProblems(c.subject ?? ""), ...plainTextProblems(c.content)];
    if (problems.length) throw new InvalidInputError(problems.join("\n"));
  }
}

export async function duplicateCampaign({ ctx, input }: TServiceArgs<{ id: string }, AdminActor>) {
  const c = await getCampaign({ ctx, input });
  return createCampaign({
    ctx,
    input: {
      name: `Copy of ${c.name}`.slice(0, 120),
      type: c.type,
      segmentId: c.segmentId,
      templateId: c.templateId,
      subject: c.subject ?? undefined,
      content: c.content,
    },
  });
}

/** Campaigns, newest first, with headline numbers: opens and clicks as shares of delivered emails. */
export async function listCampaigns({ ctx }: TServiceArgs<void>) {
  const rows = await ctx.db
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

export async function getCampaign({ ctx, input }: TServiceArgs<{ id: string }>) {
  const [c] = await ctx.db.select().from(crmCampaigns).where(eq(crmCampaigns.id, input.id));
  if (!c) throw new NotFoundError("That campaign does not exist");
  return c;
}

/** Who would get it now: the segment's members whose address is not suppressed (email only). */
export async function audienceCount({ ctx, input }: TServiceArgs<{ segmentId: string; type: "email" | "in_app" }>) {
  const S = srcSchema();
  const [row] = await executeRows<{ members: string | number; eligible: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS members,
          count(*) FILTER (WHERE ${input.type === "in_app" ? sql`true` : sql`NOT EXISTS (SELECT 1 FROM crm_suppressions x WHERE x.email = lower(u.email))`}) AS eligible
        FROM crm_segment_members sm JOIN ${S}.users u ON u.id = sm.user_id WHERE sm.segment_id = ${input.segmentId}::uuid`,
  );
  const members = Number(row?.members ?? 0);
  const eligible = Number(row?.eligible ?? 0);
  return { members, eligible, suppressed: members - eligible };
}
