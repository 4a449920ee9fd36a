import { desc, eq, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { crmCampaigns, crmEmailTemplates, crmUserSegments } from "@/server/db/schema";
import { srcSchema } from "@/server/db/source";
import { PUSH_NOT_CONFIGURED } from "@/server/push";
import type { PushSender } from "@/server/push/types";
import {
  type TCreateCampaignInput,
  type TUpdateCampaignInput,
  ZCreateCampaignInput,
  ZUpdateCampaignInput,
} from "@/shared/schemas/campaigns";
import { ZPushContent } from "@/shared/schemas/push";
import { plainTextProblems } from "@/shared/templates/plain-text";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { InvalidInputError, NotFoundError } from "../errors";
import { cappedUsersSql, messagingRules } from "../messaging/messaging-rules";
import { resolvePushIcon, resolvePushTarget } from "../push/push-links";
import { lockCampaign, type TCampaign } from "./transitions";

export type { TCampaign };

/** A push campaign's link and icon as stored: absolute, on an allowed origin (InvalidInputError otherwise); blank is none. */
function pushFields(input: { pushUrl?: string | null; pushIcon?: string | null }) {
  return {
    pushUrl: input.pushUrl?.trim() ? resolvePushTarget(input.pushUrl, "Link") : input.pushUrl === undefined ? undefined : null,
    pushIcon: input.pushIcon === undefined ? undefined : resolvePushIcon(input.pushIcon),
  };
}

export async function createCampaign({ ctx, input: raw }: TServiceArgs<TCreateCampaignInput, AdminActor>) {
  const input = ZCreateCampaignInput.parse(raw);
  if (input.type === "push" && !ctx.push.configured) throw new InvalidInputError(PUSH_NOT_CONFIGURED);
  const push = input.type === "push" ? pushFields(input) : { pushUrl: null, pushIcon: null };
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
        pushUrl: push.pushUrl ?? null,
        pushIcon: push.pushIcon ?? null,
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
    const push = c.type === "push" ? pushFields(input) : { pushUrl: undefined, pushIcon: undefined };
    const [after] = await tx
      .update(crmCampaigns)
      .set({
        name: input.name ?? c.name,
        segmentId: input.segmentId !== undefined ? input.segmentId : c.segmentId,
        templateId: input.templateId !== undefined ? input.templateId : c.templateId,
        subject: input.subject !== undefined ? input.subject || null : c.subject,
        content: input.content ?? c.content,
        pushUrl: push.pushUrl !== undefined ? push.pushUrl : c.pushUrl,
        pushIcon: push.pushIcon !== undefined ? push.pushIcon : c.pushIcon,
        updatedAt: new Date(),
      })
      .where(eq(crmCampaigns.id, c.id))
      .returning();
    await writeAuditLog(tx, ctx.actor, { action: "campaign.updated", targetType: "campaign", targetId: c.id, before: c, after });
    return after ?? c;
  });
}

/** What a campaign needs before it can be scheduled or sent; the message names what is missing. */
export async function assertReady(db: DbOrTx, c: TCampaign, push: PushSender) {
  if (c.type === "push" && !push.configured) throw new InvalidInputError(PUSH_NOT_CONFIGURED);
  if (!c.segmentId) throw new InvalidInputError(`“${c.name}” has no audience: choose a segment`);
  if (c.type === "push") {
    const parsed = ZPushContent.safeParse({ title: c.subject ?? "", body: c.content, url: c.pushUrl ?? "", icon: c.pushIcon ?? undefined });
    if (!parsed.success) {
      throw new InvalidInputError(parsed.error.issues.map((i) => `${PUSH_FIELD[String(i.path[0])] ?? "Content"}: ${i.message}`).join("\n"));
    }
    // The link is checked again: the allowed origins may have changed since it was saved.
    resolvePushTarget(parsed.data.url, "Link");
    const problems = [...plainTextProblems(c.subject ?? ""), ...plainTextProblems(c.content)];
    if (problems.length) throw new InvalidInputError(problems.join("\n"));
  } else if (c.type === "email") {
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

const PUSH_FIELD: Record<string, string> = { title: "Title", body: "Text", url: "Link", icon: "Icon" };

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
      pushUrl: c.pushUrl,
      pushIcon: c.pushIcon,
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

/**
 * Who would get it now: for email, the segment's members whose address is
 * not suppressed; in-app, every member; push, the members with at least one
 * subscribed device (and how many devices that is). Members who have
 * reached the channel's frequency cap are counted apart (`capped`) and left
 * out of `eligible`, as the snapshot will leave them out.
 */
export async function audienceCount({ ctx, input }: TServiceArgs<{ segmentId: string; type: "email" | "in_app" | "push" }>) {
  const S = srcSchema();
  const cappedJoin = sql`LEFT JOIN (${cappedUsersSql(await messagingRules(ctx.db), input.type, ctx.clock())}) cap ON cap.user_id = sm.user_id`;
  if (input.type === "push") {
    const [row] = await executeRows<{
      members: string | number;
      reachable: string | number;
      capped: string | number;
      devices: string | number;
    }>(
      ctx.db,
      sql`SELECT count(*) AS members, count(*) FILTER (WHERE d.n > 0) AS reachable,
            count(*) FILTER (WHERE d.n > 0 AND cap.user_id IS NOT NULL) AS capped,
            coalesce(sum(d.n) FILTER (WHERE cap.user_id IS NULL), 0) AS devices
          FROM crm_segment_members sm ${cappedJoin}
          LEFT JOIN LATERAL (SELECT count(*) AS n FROM crm_push_subscriptions s WHERE s.user_id = sm.user_id) d ON true
          WHERE sm.segment_id = ${input.segmentId}::uuid`,
    );
    const members = Number(row?.members ?? 0);
    const reachable = Number(row?.reachable ?? 0);
    const nCapped = Number(row?.capped ?? 0);
    return {
      members,
      eligible: reachable - nCapped,
      suppressed: 0,
      capped: nCapped,
      withoutDevice: members - reachable,
      devices: Number(row?.devices ?? 0),
    };
  }
  const [row] = await executeRows<{ members: string | number; reachable: string | number; capped: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS members, count(*) FILTER (WHERE x.ok) AS reachable, count(*) FILTER (WHERE x.ok AND cap.user_id IS NOT NULL) AS capped
        FROM crm_segment_members sm JOIN ${S}.users u ON u.id = sm.user_id ${cappedJoin}
        CROSS JOIN LATERAL (SELECT ${input.type === "in_app" ? sql`true` : sql`NOT EXISTS (SELECT 1 FROM crm_suppressions x WHERE x.email = lower(u.email))`} AS ok) x
        WHERE sm.segment_id = ${input.segmentId}::uuid`,
  );
  const members = Number(row?.members ?? 0);
  const reachable = Number(row?.reachable ?? 0);
  const nCapped = Number(row?.capped ?? 0);
  return { members, eligible: reachable - nCapped, suppressed: members - reachable, capped: nCapped, withoutDevice: 0, devices: 0 };
}
