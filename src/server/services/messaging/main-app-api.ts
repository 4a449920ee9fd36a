import { and, desc, eq, or } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { crmMessages } from "@/server/db/schema";
import { writeAuditLog } from "../audit/write-audit-log";
import type { ServiceCtx, WebhookActor } from "../context";
import { NotFoundError } from "../errors";
import { markAsRead } from "./direct-messages";
import { loadRecipients } from "./recipients";
import { ZApiReplyBody } from "./schemas";

/** The main app, calling with an API key, is the actor of its writes. */
export const mainAppActor = (keyName: string): WebhookActor => ({ type: "webhook", provider: `main-app:${keyName}` });

async function requireUser(db: Db, userId: string) {
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

/** The user's in-app inbox: admin messages sent in-app and the user's own replies, newest first. */
export async function listInAppMessages(db: Db, userId: string) {
  await requireUser(db, userId);
  return db
    .select(apiMessage)
    .from(crmMessages)
    .where(
      and(
        eq(crmMessages.threadId, userId),
        or(and(eq(crmMessages.direction, "outbound"), eq(crmMessages.channel, "in_app")), eq(crmMessages.direction, "inbound")),
      ),
    )
    .orderBy(desc(crmMessages.createdAt), desc(crmMessages.id))
    .limit(200);
}

/** The user read an admin's message in the app. */
export async function markReadByUser(ctx: ServiceCtx<WebhookActor> & { db: Db }, userId: string, messageId: string) {
  await requireUser(ctx.db, userId);
  return markAsRead(ctx, messageId, { userId, direction: "outbound" });
}

/** The user answered in the app: their reply joins the thread, unread for the admins. */
export async function postReply(ctx: ServiceCtx<WebhookActor> & { db: Db }, userId: string, body: unknown) {
  const input = ZApiReplyBody.parse(body);
  const user = await requireUser(ctx.db, userId);
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
