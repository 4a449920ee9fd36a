import { and, asc, eq, sql } from "drizzle-orm";
import { env } from "@/lib/env";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { crmAdmins, crmMessages } from "@/server/db/schema";
import { srcSchema } from "@/server/db/source";
import { EmailSendError } from "@/server/email/types";
import { PUSH_NOT_CONFIGURED } from "@/server/push";
import { type TSendMessageInput, ZConversationsInput, ZSendMessageInput } from "@/shared/schemas/messaging";
import { escapeLike } from "@/shared/text";
import { writeAuditLog } from "../audit/write-audit-log";
import { recordInAppEngagement } from "../campaigns/in-app-engagement";
import type { AdminActor, TServiceArgs, TServiceCtx } from "../context";
import { InvalidInputError, NotFoundError } from "../errors";
import { pushToUser } from "../push/deliver-push";
import { resolvePushTarget } from "../push/push-links";
import { emailMessageFor, renderEmail } from "../templates/render-email";
import { loadRecipients } from "./recipients";
import { replyAddressFor } from "./reply-address";

export type TMessage = {
  id: string;
  userId: string;
  direction: "outbound" | "inbound";
  channel: "email" | "in_app" | "push";
  status: "queued" | "sent" | "delivered" | "read" | "failed";
  subject: string | null;
  content: string;
  createdAt: Date;
  readAt: Date | null;
  fromAdminEmail: string | null;
  error: string | null;
  /** Emails: first open and click reported by the provider. */
  openedAt: Date | null;
  clickedAt: Date | null;
  /** An in-app campaign's copy (shown in the thread for context). */
  campaignId: string | null;
};

const messageColumns = {
  id: crmMessages.id,
  userId: crmMessages.userId,
  direction: crmMessages.direction,
  channel: crmMessages.channel,
  status: crmMessages.status,
  subject: crmMessages.subject,
  content: crmMessages.content,
  createdAt: crmMessages.createdAt,
  readAt: crmMessages.readAt,
  fromAdminEmail: crmAdmins.email,
  error: crmMessages.error,
  openedAt: crmMessages.openedAt,
  clickedAt: crmMessages.clickedAt,
  campaignId: crmMessages.campaignId,
};

/**
 * An admin writes to a user: one row per channel (email and/or in-app) in the
 * user's thread. In-app messages are there for the main app to show at once;
 * an email is recorded first as queued, then sent or failed, so a provider
 * error is visible in the thread instead of lost.
 */
export async function sendMessage({ ctx, input: raw }: TServiceArgs<TSendMessageInput, AdminActor>): Promise<TMessage[]> {
  const input = ZSendMessageInput.parse(raw);
  const user = (await loadRecipients(ctx.db, [input.userId])).get(input.userId);
  if (!user) throw new NotFoundError("No user has this id. They may have been deleted in the main app.");
  // Push is checked before anything is written: configured, a device to send to, a link that may be opened.
  const pushLink = input.channels.includes("push") ? await pushPreconditions(ctx, user, input.pushUrl) : null;
  const created: string[] = [];
  for (const channel of input.channels) {
    const [row] = await ctx.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(crmMessages)
        .values({
          userId: user.id,
          threadId: user.id,
          fromAdminId: ctx.actor.id,
          subject: input.subject || null,
          content: input.content,
          direction: "outbound",
          channel,
          status: channel === "in_app" ? "sent" : "queued",
          linkUrl: channel === "push" ? pushLink : null,
        })
        .returning({ id: crmMessages.id });
      await writeAuditLog(tx, ctx.actor, {
        action: "message.sent",
        targetType: "user",
        targetId: user.id,
        after: { channel, messageId: inserted[0]?.id },
      });
      return inserted;
    });
    if (!row) continue;
    created.push(row.id);
    if (channel === "push") {
      const title = (input.subject ?? "").replace(/\s+/g, " ").trim();
      await pushToUser({ ctx, input: { messageId: row.id, userId: user.id, title, body: input.content, url: pushLink ?? "" } });
      continue;
    }
    if (channel !== "email") continue;
    try {
      // Transactional: no unsubscribe headers, and suppression is not checked (docs/campaigns.md).
      const rendered = await renderEmail({
        kind: "direct",
        subject: input.subject ?? "",
        content: input.content,
        fromName: ctx.actor.email,
      });
      const message = emailMessageFor(rendered, user, [{ name: "message_id", value: row.id }]);
      // Replies go to the thread's own address, and come back into this conversation (receive-reply.ts).
      const replyTo = replyAddressFor(user.id) ?? message.replyTo;
      const result = await ctx.email.send({ ...message, replyTo }, { idempotencyKey: `message-${row.id}` });
      await ctx.db.update(crmMessages).set({ status: "sent", providerMessageId: result.id }).where(eq(crmMessages.id, row.id));
    } catch (err) {
      const message = err instanceof EmailSendError ? err.message : "The email could not be sent";
      await ctx.db.update(crmMessages).set({ status: "failed", error: message }).where(eq(crmMessages.id, row.id));
    }
  }
  const thread = await conversationOf(ctx.db, user.id);
  return thread.filter((m) => created.includes(m.id));
}

async function pushPreconditions(ctx: TServiceCtx<AdminActor>, user: { id: string; email: string; name: string | null }, url?: string) {
  if (!ctx.push.configured) throw new InvalidInputError(PUSH_NOT_CONFIGURED);
  const [devices] = await executeRows<{ n: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS n FROM crm_push_subscriptions WHERE user_id = ${user.id}::uuid`,
  );
  if (!Number(devices?.n ?? 0)) {
    throw new InvalidInputError(`${user.name ?? user.email} has not turned on notifications on any device: choose email or in-app`);
  }
  return url?.trim() ? resolvePushTarget(url, "Link") : new URL(env().MAIN_APP_URL).toString();
}

/** The whole thread with a user, oldest first: admin messages and the user's replies. */
export async function getConversation({ ctx, input }: TServiceArgs<{ userId: string }>): Promise<TMessage[]> {
  return conversationOf(ctx.db, input.userId);
}

async function conversationOf(db: DbOrTx, userId: string): Promise<TMessage[]> {
  const rows = await db
    .select(messageColumns)
    .from(crmMessages)
    .leftJoin(crmAdmins, eq(crmAdmins.id, crmMessages.fromAdminId))
    .where(eq(crmMessages.threadId, userId))
    .orderBy(asc(crmMessages.createdAt), asc(crmMessages.id));
  return rows as TMessage[];
}

/**
 * Marks a message read. An admin marks the user's replies read; the main app
 * (actor "webhook"/API) marks admin messages read by the user, which also
 * moves an in-app message's status to read.
 */
export async function markAsRead({ ctx, input }: TServiceArgs<{ messageId: string; userId?: string; direction?: "inbound" | "outbound" }>) {
  const { messageId } = input;
  const expect = input;
  return ctx.db.transaction(async (tx) => {
    const [m] = await tx.select().from(crmMessages).where(eq(crmMessages.id, messageId)).for("update");
    if (!m || (expect?.userId && m.userId !== expect.userId) || (expect?.direction && m.direction !== expect.direction)) {
      throw new NotFoundError("No such message");
    }
    if (m.readAt) return { id: m.id, readAt: m.readAt, changed: false };
    const readAt = ctx.clock();
    await tx
      .update(crmMessages)
      .set({ readAt, ...(m.direction === "outbound" ? { status: "read" as const } : {}) })
      .where(eq(crmMessages.id, m.id));
    // An in-app campaign's copy: the first read counts as the campaign's "opened" for this user.
    if (m.campaignId && m.direction === "outbound")
      await recordInAppEngagement(tx, { campaignId: m.campaignId, userId: m.userId, kind: "read", at: readAt });
    await writeAuditLog(tx, ctx.actor, { action: "message.read", targetType: "message", targetId: m.id });
    return { id: m.id, readAt, changed: true };
  });
}

/**
 * Conversations, latest activity first, with unread replies counted; optionally only unread, or matching a user.
 * Campaign and automation copies open no conversation (they are theirs, on their pages); a user's reply does.
 */
export async function listConversations({ ctx, input: raw }: TServiceArgs<{ unreadOnly?: boolean; search?: string; limit?: number }>) {
  const input = ZConversationsInput.parse(raw);
  const { db } = ctx;
  const S = srcSchema();
  const pattern = input.search ? `%${escapeLike(input.search)}%` : null;
  const rows = await executeRows<{
    thread_id: string;
    email: string | null;
    name: string | null;
    last_at: Date;
    last_content: string;
    last_direction: string;
    unread: string | number;
  }>(
    db,
    sql`WITH t AS (
          SELECT thread_id, max(created_at) AS last_at,
                 count(*) FILTER (WHERE direction = 'inbound' AND read_at IS NULL) AS unread
          FROM crm_messages WHERE thread_id IS NOT NULL AND campaign_id IS NULL AND automation_id IS NULL GROUP BY thread_id)
        SELECT t.thread_id, u.email, u.name, t.last_at, t.unread, l.content AS last_content, l.direction AS last_direction
        FROM t LEFT JOIN ${S}.users u ON u.id = t.thread_id
        JOIN LATERAL (SELECT content, direction FROM crm_messages m WHERE m.thread_id = t.thread_id AND m.campaign_id IS NULL AND m.automation_id IS NULL
          ORDER BY created_at DESC, id DESC LIMIT 1) l ON true
        WHERE ${input.unreadOnly ? sql`t.unread > 0` : sql`true`}
          ${pattern ? sql`AND (u.email ILIKE ${pattern} OR u.name ILIKE ${pattern})` : sql``}
        ORDER BY t.last_at DESC LIMIT ${input.limit}`,
  );
  return rows.map((r) => ({
    userId: r.thread_id,
    email: r.email,
    name: r.name,
    lastAt: new Date(r.last_at),
    lastContent: r.last_content.slice(0, 200),
    lastDirection: r.last_direction as "inbound" | "outbound",
    unread: Number(r.unread),
  }));
}

/** Users' replies nobody has read yet (the sidebar badge). */
export async function unreadCount({ ctx }: TServiceArgs<void>): Promise<number> {
  const [row] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(crmMessages)
    .where(and(eq(crmMessages.direction, "inbound"), sql`${crmMessages.readAt} IS NULL`));
  return row?.n ?? 0;
}
