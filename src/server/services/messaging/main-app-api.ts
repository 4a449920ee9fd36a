import { and, desc, eq, or } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmMessages } from "@/server/db/schema";
import { ZApiReplyBody } from "@/shared/schemas/messaging";
import { writeAuditLog } from "../audit/write-audit-log";
import type { TServiceArgs, WebhookActor } from "../context";
import { NotFoundError } from "../errors";
import { markAsRead } from "./direct-messages";
import { loadRecipients } from "./recipients";

async function requireUser(db: DbOrTx, userId: string) {
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
export async function listInAppMessages({ ctx, input }: TServiceArgs<{ userId: string }, WebhookActor>) {
  await requireUser(ctx.db, input.userId);
  const { userId } = input;
  return ctx.db
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
