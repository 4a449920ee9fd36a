import { randomUUID } from "node:crypto";
import { jobEvent } from "@/server/jobs/events";
import { ZSendTemplateInput, ZSendTestInput } from "@/shared/schemas/messaging";
import { writeAuditLog } from "../audit/write-audit-log";
import { startChosenUsersSend } from "../campaigns/start-campaign";
import type { AdminActor, TServiceArgs } from "../context";
import { ConflictError, InvalidInputError } from "../errors";
import { loadRecipients, SAMPLE_RECIPIENT } from "../messaging/recipients";
import { suppressionsOf } from "../messaging/suppressions";
import { versionContent } from "./manage-templates";
import { checkedTemplate, emailMessageFor, renderEmail } from "./render-email";

/**
 * Sends the template's current version to chosen users as a small campaign
 * of its own (startChosenUsersSend): the same durable, throttled, idempotent
 * delivery as every campaign, with its own report and recipients table.
 * A template send is marketing email: suppressed addresses (unsubscribed,
 * bounced, complained, by hand) are left out and reported with their
 * reason; unknown ids are reported, not fatal. Nothing is sent inside the
 * request: the answer says how many emails were queued and where to follow
 * them.
 */
export async function sendTemplate({ ctx, input: raw }: TServiceArgs<{ templateId: string; userIds: string[] }, AdminActor>) {
  const input = ZSendTemplateInput.parse(raw);
  const { template, version } = await versionContent(ctx.db, input.templateId);
  if (template.status === "archived") throw new ConflictError(`“${template.name}” is archived; restore it before sending`);
  const ids = [...new Set(input.userIds)];
  const recipients = await loadRecipients(ctx.db, ids);
  const suppressed = await suppressionsOf(
    ctx.db,
    [...recipients.values()].map((r) => r.email),
  );
  const unknown = ids.filter((id) => !recipients.has(id));
  const skipped = ids.flatMap((id) => {
    const user = recipients.get(id);
    const reason = user ? suppressed.get(user.email.toLowerCase()) : undefined;
    return user && reason ? [{ userId: id, reason }] : [];
  });
  const eligible = ids.filter((id) => recipients.has(id) && !skipped.some((s) => s.userId === id));
  let campaignId: string | null = null;
  let queued = 0;
  if (eligible.length) {
    const n = eligible.length;
    const { campaign } = await startChosenUsersSend({
      ctx,
      input: {
        name: `“${template.name}” to ${n} chosen ${n === 1 ? "user" : "users"}`.slice(0, 120),
        templateId: template.id,
        templateVersion: version,
        userIds: eligible,
      },
    });
    campaignId = campaign.id;
    queued = campaign.totalRecipients;
  }
  await writeAuditLog(ctx.db, ctx.actor, {
    action: "template.sent",
    targetType: "template",
    targetId: template.id,
    after: { version, campaignId, queued, suppressed: skipped.length, unknown },
  });
  return { version, campaignId, queued, suppressed: skipped, unknown };
}

/**
 * The template (or a draft) with sample data, to the signed-in admin. Not
 * recorded as a message. Checked here (a problem is a clear error at once),
 * sent by a background job (crm/template.test.requested) through the same
 * throttled provider as campaigns, once: the request id is its idempotency key.
 */
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
  checkedTemplate(subject, body);
  const requestId = randomUUID();
  await ctx.jobs.enqueue(jobEvent("crm/template.test.requested", { requestId, to: ctx.actor.email, subject, body }));
  await writeAuditLog(ctx.db, ctx.actor, {
    action: "template.test_sent",
    targetType: "template",
    targetId: input.templateId ?? null,
    after: { to: ctx.actor.email, requestId },
  });
  return { to: ctx.actor.email, queued: true as const };
}

/** The test email itself (the job's work). */
export async function deliverTestEmail({ ctx, input }: TServiceArgs<{ requestId: string; to: string; subject: string; body: string }>) {
  const rendered = await renderEmail({ kind: "template", subject: input.subject, body: input.body });
  const message = emailMessageFor(rendered, SAMPLE_RECIPIENT, []);
  const result = await ctx.email.send(
    { ...message, to: [input.to], subject: `[Test] ${message.subject}`, headers: undefined },
    { idempotencyKey: `template-test-${input.requestId}` },
  );
  return { id: result.id };
}
