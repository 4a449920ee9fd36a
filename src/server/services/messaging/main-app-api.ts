import { and, desc, eq, gte, or } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmMessages } from "@/server/db/schema";
import { ZApiClickBody, ZApiReplyBody } from "@/shared/schemas/messaging";
import { writeAuditLog } from "../audit/write-audit-log";
import { recordInAppEngagement } from "../campaigns/in-app-engagement";
import type { TServiceArgs, WebhookActor } from "../context";
import { NotFoundError } from "../errors";
import { markAsRead } from "./direct-messages";
import { loadRecipients } from "./recipients";

/** The main app's user with this id, or a NotFoundError (every /api/v1 path names one). */
export async function requireUser(db: DbOrTx, userId: string) {
  const user = (await loadRecipients(db, [userId])).get(userId);
  if (!user) throw new NotFoundError("No user has this id");
  return user;
}

const apiMessage = {
  id: crmMessages.id,
  direction: crmMessages.direction,
  subject: crmMessages.subject,
  content: crmMessages.content,
  createdAt: crmMessages.createdAt,
  readAt: crmMessages.readAt,
};

/** How far before `since` a poll looks again: a message written in a transaction that began before the last poll but committed after it is still found. */
export const SINCE_OVERLAP_MS = 5_000;

/**
 * The user's in-app inbox: admin messages sent in-app (one-on-one and
 * campaign copies) and the user's own replies, newest first, at most 200.
 * With `since` (an ISO time, e.g. the newest createdAt the app has), only
 * messages created from SINCE_OVERLAP_MS before it: a poll that fetches only
 * what is new, possibly repeating a message of the last seconds (keep by id).
 */
export async function listInAppMessages({ ctx, input }: TServiceArgs<{ userId: string; since?: Date }, WebhookActor>) {
  await requireUser(ctx.db, input.userId);
  const { userId } = input;
  return ctx.db
    .select(apiMessage)
    .from(crmMessages)
    .where(
      and(
        eq(crmMessages.threadId, userId),
        or(and(eq(crmMessages.direction, "outbound"), eq(crmMessages.channel, "in_app")), eq(crmMessages.direction, "inbound")),
        input.since ? gte(crmMessages.createdAt, new Date(input.since.getTime() - SINCE_OVERLAP_MS)) : undefined,
      ),
    )
    .orderBy(desc(crmMessages.createdAt), desc(crmMessages.id))
    .limit(200);
}

/** The user read an admin's message in the app. */
export async function markReadByUser({ ctx, input }: TServiceArgs<{ userId: string; messageId: string }, WebhookActor>) {
  await requireUser(ctx.db, input.userId);
  return markAsRead({ ctx, input: { messageId: input.messageId, userId: input.userId, direction: "outbound" } });
}

/** The user answered in the app: their reply joins the thread, unread for the admins. */
export async function postReply({ ctx, input: raw }: TServiceArgs<{ userId: string; body: unknown }, WebhookActor>) {
  const input = ZApiReplyBody.parse(raw.body);
  const user = await requireUser(ctx.db, raw.userId);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(crmMessages)
      .values({ userId: user.id, threadId: user.id, content: input.content, direction: "inbound", channel: "in_app", status: "delivered" })
      .returning(apiMessage);
    if (!row) throw new Error("insert returned nothing");
    await writeAuditLog(tx, ctx.actor, {
      action: "message.reply_received",
      targetType: "user",
      targetId: user.id,
      after: { messageId: row.id },
    });
    return row;
  });
}

/**
 * The user clicked (a link in) an in-app message. A click implies the
 * message was read. For an in-app campaign's copy it counts in the
 * campaign's report: first click, click count, clicks per link.
 */
export async function recordClickByUser({ ctx, input }: TServiceArgs<{ userId: string; messageId: string; body: unknown }, WebhookActor>) {
  const body = ZApiClickBody.parse(input.body ?? {});
  await requireUser(ctx.db, input.userId);
  const read = await markAsRead({ ctx, input: { messageId: input.messageId, userId: input.userId, direction: "outbound" } });
  const [m] = await ctx.db
    .select({ campaignId: crmMessages.campaignId, channel: crmMessages.channel })
    .from(crmMessages)
    .where(eq(crmMessages.id, input.messageId));
  const clickedAt = ctx.clock();
  if (m?.campaignId && m.channel === "in_app") {
    const campaignId = m.campaignId;
    await ctx.db.transaction((tx) =>
      recordInAppEngagement(tx, { campaignId, userId: input.userId, kind: "click", at: clickedAt, link: body.link ?? null }),
    );
  }
  return { id: input.messageId, readAt: read.readAt, clickedAt };
}
