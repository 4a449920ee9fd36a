import { eq } from "drizzle-orm";
import { crmMessages } from "@/server/db/schema";
import { EmailSendError } from "@/server/email/types";
import { ZSendTemplateInput, ZSendTestInput } from "@/shared/schemas/messaging";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { ConflictError, InvalidInputError } from "../errors";
import { loadRecipients, SAMPLE_RECIPIENT } from "../messaging/recipients";
import { suppressionsOf } from "../messaging/suppressions";
import { versionContent } from "./manage-templates";
import { emailMessageFor, renderEmail } from "./render-email";

/**
 * Sends the template's current version to each user, one email each, with
 * one-click unsubscribe headers: a template send is marketing email, so
 * suppressed addresses (unsubscribed, bounced, complained, by hand) are
 * skipped and counted. Unknown ids are reported, not fatal.
 */
export async function sendTemplate({ ctx, input: raw }: TServiceArgs<{ templateId: string; userIds: string[] }, AdminActor>) {
  const input = ZSendTemplateInput.parse(raw);
  const { template, subject, body, version } = await versionContent(ctx.db, input.templateId);
  if (template.status === "archived") throw new ConflictError(`“${template.name}” is archived; restore it before sending`);
  const rendered = await renderEmail({ kind: "template", subject, body });
  const ids = [...new Set(input.userIds)];
  const recipients = await loadRecipients(ctx.db, ids);
  const suppressed = await suppressionsOf(
    ctx.db,
    [...recipients.values()].map((r) => r.email),
  );
  const sent: { userId: string; messageId: string }[] = [];
  const failed: { userId: string; error: string }[] = [];
  for (const id of ids) {
    const user = recipients.get(id);
    if (!user || suppressed.has(user.email.toLowerCase())) continue;
    const message = emailMessageFor(rendered, user, [{ name: "template_id", value: template.id }]);
    const [row] = await ctx.db
      .insert(crmMessages)
      .values({
        userId: user.id,
        threadId: user.id,
        fromAdminId: ctx.actor.id,
        subject: message.subject,
        content: message.text ?? "",
        direction: "outbound",
        channel: "email",
        status: "queued",
        templateId: template.id,
        templateVersion: version,
      })
      .returning({ id: crmMessages.id });
    if (!row) continue;
    try {
      const result = await ctx.email.send(
        { ...message, tags: [{ name: "message_id", value: row.id }, ...(message.tags ?? [])] },
        { idempotencyKey: `message-${row.id}` },
      );
      await ctx.db.update(crmMessages).set({ status: "sent", providerMessageId: result.id }).where(eq(crmMessages.id, row.id));
      sent.push({ userId: id, messageId: row.id });
    } catch (err) {
      const error = err instanceof EmailSendError ? err.message : "The email could not be sent";
      await ctx.db.update(crmMessages).set({ status: "failed", error }).where(eq(crmMessages.id, row.id));
      failed.push({ userId: id, error });
    }
  }
  const unknown = ids.filter((id) => !recipients.has(id));
  const skipped = ids.flatMap((id) => {
    const user = recipients.get(id);
    const reason = user ? suppressed.get(user.email.toLowerCase()) : undefined;
    return user && reason ? [{ userId: id, reason }] : [];
  });
  await writeAuditLog(ctx.db, ctx.actor, {
    action: "template.sent",
    targetType: "template",
    targetId: template.id,
    after: { version, sent: sent.length, failed: failed.length, suppressed: skipped.length, unknown },
  });
  return { version, sent, failed, suppressed: skipped, unknown };
}

/** The template (or a draft) with sample data, to the signed-in admin. Not recorded as a message. */
export async function sendTestTemplate({
  ctx,
  input: raw,
}: TServiceArgs<{ templateId?: string; draft?: { subject: string; body: string } }, AdminActor>) {
  const input = ZSendTestInput.parse(raw);
  let subject: string;
  let body: string;
  if (input.draft) ({ subject, body } = input.draft);
  else if (input.templateId) ({ subject, body } = await versionContent(ctx.db, input.templateId));
  else throw new InvalidInputError("Send a saved template or a draft");
  const rendered = await renderEmail({ kind: "template", subject, body });
  const message = emailMessageFor(rendered, SAMPLE_RECIPIENT, []);
  const result = await ctx.email.send({ ...message, to: [ctx.actor.email], subject: `[Test] ${message.subject}`, headers: undefined });
  await writeAuditLog(ctx.db, ctx.actor, {
    action: "template.test_sent",
    targetType: "template",
    targetId: input.templateId ?? null,
    after: { to: ctx.actor.email },
  });
  return { to: ctx.actor.email, id: result.id };
}
