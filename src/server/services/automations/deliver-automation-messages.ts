import { sql } from "drizzle-orm";
import { env } from "@/lib/env";
import { executeRows } from "@/server/db/client";
import { EmailSendError } from "@/server/email/types";
import type { TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";
import { loadRecipients } from "../messaging/recipients";
import { suppressionsOf } from "../messaging/suppressions";
import { pushToUser } from "../push/deliver-push";
import { pushTargetProblem, resolvePushTarget } from "../push/push-links";
import { emailMessageFor, renderEmail, type TRenderedEmail } from "../templates/render-email";

/*
 * Delivers what automation steps queued (advance-runs.ts): emails through
 * the provider, pushes through the push sender, and admin notifications
 * marked for email. Invariant: a message leaves `queued` only in the update
 * that records the provider's answer, and each email is sent under the key
 * `automation-<message id>`, so a retry after a crash between the send and
 * that update is answered by the provider with the first send (nothing
 * reaches the user twice). A suppression that arrived after the step queued
 * the email is honoured here: the message fails as "unsubscribed", unsent.
 */

const BATCH = 100;

type TQueued = {
  id: string;
  user_id: string;
  channel: "email" | "push";
  subject: string | null;
  content: string;
  template_id: string | null;
  template_version: number | null;
  link_url: string | null;
};

export async function deliverAutomationMessages({ ctx }: TServiceArgs<void>) {
  const queued = await executeRows<TQueued>(
    ctx.db,
    sql`SELECT id, user_id, channel, subject, content, template_id, template_version, link_url FROM crm_messages
        WHERE automation_id IS NOT NULL AND status = 'queued' ORDER BY created_at, id LIMIT ${BATCH}`,
  );
  const readers = await loadRecipients(
    ctx.db,
    queued.map((m) => m.user_id),
  );
  const suppressed = await suppressionsOf(
    ctx.db,
    [...readers.values()].map((r) => r.email),
  );
  const rendered = new Map<string, Promise<TRenderedEmail>>();
  let sent = 0;
  let failed = 0;
  const mark = async (id: string, status: "sent" | "failed", error: string | null, providerId: string | null = null) => {
    await ctx.db.execute(sql`UPDATE crm_messages SET status = ${status}, error = ${error}, provider_message_id = coalesce(${providerId}, provider_message_id)
      WHERE id = ${id}::uuid AND status = 'queued'`);
    if (status === "sent") sent++;
    else failed++;
  };
  for (const m of queued) {
    const reader = readers.get(m.user_id);
    if (!reader) {
      await mark(m.id, "failed", "The user no longer exists in the main app");
      continue;
    }
    if (m.channel === "push") {
      const problem = m.link_url ? pushTargetProblem(m.link_url) : null;
      if (problem) {
        await mark(m.id, "failed", problem);
        continue;
      }
      const url = m.link_url ? resolvePushTarget(m.link_url) : new URL(env().MAIN_APP_URL).toString();
      const r = await pushToUser({ ctx, input: { messageId: m.id, userId: m.user_id, title: m.subject ?? "", body: m.content, url } });
      if (r.accepted) sent++;
      else failed++;
      continue;
    }
    const reason = suppressed.get(reader.email.toLowerCase());
    if (reason) {
      await mark(m.id, "failed", `Not sent: the address is suppressed (${reason})`);
      continue;
    }
    const key = `${m.template_id}:${m.template_version}`;
    let content = rendered.get(key);
    if (!content) {
      content = renderEmail({ kind: "template", subject: m.subject ?? "", body: m.content });
      rendered.set(key, content);
    }
    try {
      const message = emailMessageFor(await content, reader, [{ name: "message_id", value: m.id }]);
      const result = await ctx.email.send(message, { idempotencyKey: `automation-${m.id}` });
      await mark(m.id, "sent", null, result.id);
    } catch (err) {
      // Content that cannot render, or a permanent refusal: this message fails with the reason, the others go on.
      // A rate limit or an outage: the message stays queued and the job retries (with the same key).
      const permanent = (err instanceof EmailSendError && err.kind === "permanent") || err instanceof InvalidInputError;
      if (!permanent) throw err;
      await mark(m.id, "failed", err.message.slice(0, 500));
    }
  }
  const notified = await emailNotifications({ ctx, input: undefined });
  return { sent, failed, notified, more: queued.length === BATCH || notified.more };
}

/** "Notify admins" steps marked for email: one email per notification to every owner and admin, once (keyed by the notification). */
async function emailNotifications({ ctx }: TServiceArgs<void>) {
  const rows = await executeRows<{ id: string; title: string; body: string; user_id: string | null }>(
    ctx.db,
    sql`SELECT id, title, body, user_id FROM crm_notifications WHERE email_status = 'queued' ORDER BY at, id LIMIT ${BATCH}`,
  );
  if (!rows.length) return { count: 0, more: false };
  const admins = await executeRows<{ email: string }>(
    ctx.db,
    sql`SELECT email FROM crm_admins WHERE role IN ('owner', 'admin') ORDER BY email`,
  );
  const base = env().APP_URL.replace(/\/$/, "");
  for (const n of rows) {
    if (admins.length) {
      const link = n.user_id ? `\n\n${base}/users/${n.user_id}` : "";
      const email = await renderEmail({ kind: "direct", subject: n.title, content: `${n.body}${link}`, fromName: "VibrationFit CRM" });
      const message = emailMessageFor(email, { id: n.id, email: admins[0]?.email ?? "", name: null, plan: "" }, []);
      await ctx.email.send({ ...message, to: admins.map((a) => a.email) }, { idempotencyKey: `notification-${n.id}` });
    }
    await ctx.db.execute(sql`UPDATE crm_notifications SET email_status = 'sent' WHERE id = ${n.id}::uuid`);
  }
  return { count: rows.length, more: rows.length === BATCH };
}

/** Whether anything waits for the send job (messages, or notifications to email): each tick asks, so nothing stays queued after a failed run. */
export async function hasQueuedSends({ ctx }: TServiceArgs<void>): Promise<boolean> {
  const [row] = await executeRows<{ any: boolean }>(
    ctx.db,
    sql`SELECT EXISTS (SELECT 1 FROM crm_messages WHERE automation_id IS NOT NULL AND status = 'queued')
          OR EXISTS (SELECT 1 FROM crm_notifications WHERE email_status = 'queued') AS any`,
  );
  return Boolean(row?.any);
}
