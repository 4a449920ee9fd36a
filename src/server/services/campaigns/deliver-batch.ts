import { and, eq, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { crmEmailTemplateVersions } from "@/server/db/schema";
import { srcSchema } from "@/server/db/source";
import { fillPlainText } from "@/shared/templates/plain-text";
import type { TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";
import { unsubscribeUrl } from "../messaging/unsubscribe";
import { emailMessageFor, renderEmail, type TRenderedEmail } from "../templates/render-email";
import { userVariables } from "../templates/render-template";
import { getCampaign, type TCampaign } from "./manage-campaigns";

/*
 * Delivery keeps one invariant: every eligible recipient gets exactly one
 * email, whatever fails. Recipients are snapshotted into per-recipient rows
 * with a fixed batch number. A batch goes to the provider with an
 * idempotency key derived from campaign and batch, and is recorded as sent
 * in one transaction afterwards. The set of unsent rows of a batch only
 * changes when that transaction commits, so a retry after any failure (the
 * worker died after the provider accepted, a 5xx or timeout after accept, a
 * 429, a database error) sends the same batch under the same key, and the
 * provider answers with the first result instead of sending again.
 * Retrying, waiting and the provider's rate are the job engine's business
 * (jobs/definitions.ts); this sends one batch, once.
 */

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** The campaign's channel and the batch numbers that still have unsent recipients, in order. */
export async function pendingBatches({
  ctx,
  input,
}: TServiceArgs<{ campaignId: string }>): Promise<{ channel: TCampaign["type"]; batches: number[] }> {
  const c = await getCampaign({ ctx, input: { id: input.campaignId } });
  const rows = await executeRows<{ batch_no: number }>(
    ctx.db,
    sql`SELECT DISTINCT batch_no FROM crm_campaign_tracking WHERE campaign_id = ${input.campaignId}::uuid AND status = 'queued' ORDER BY batch_no`,
  );
  return { channel: c.type, batches: rows.map((r) => Number(r.batch_no)) };
}

const renderedCache = new Map<string, Promise<TRenderedEmail>>();

/** The campaign's email, rendered through React Email once per process and campaign (its template version is fixed). */
async function renderedFor(db: DbOrTx, c: TCampaign): Promise<TRenderedEmail> {
  const key = `${c.id}:${c.templateVersion ?? "inline"}`;
  let pending = renderedCache.get(key);
  if (!pending) {
    pending = (async () => {
      let subject = c.subject ?? "";
      let body = c.content;
      if (c.templateId && c.templateVersion) {
        const [v] = await db
          .select({ subject: crmEmailTemplateVersions.subject, body: crmEmailTemplateVersions.body })
          .from(crmEmailTemplateVersions)
          .where(and(eq(crmEmailTemplateVersions.templateId, c.templateId), eq(crmEmailTemplateVersions.version, c.templateVersion)));
        if (!v) throw new InvalidInputError("The campaign's template version no longer exists");
        ({ subject, body } = v);
      }
      return renderEmail({ kind: "template", subject, body });
    })();
    renderedCache.set(key, pending);
    pending.catch(() => renderedCache.delete(key));
  }
  return pending;
}

type TRow = { id: string; user_id: string; email: string; name: string | null; plan: string };

export type TBatchResult = { outcome: "sent" | "empty" | "stopped"; sent: number; failed: number; status?: string };

/**
 * Sends one batch through ctx.email. Sends nothing unless the campaign is
 * sending, so pause and cancel take effect between batches. A provider
 * error is thrown as it is (EmailSendError: rate_limited carries
 * retryAfterMs) for the job engine to retry the same batch.
 */
export async function deliverBatch({ ctx, input }: TServiceArgs<{ campaignId: string; batchNo: number }>): Promise<TBatchResult> {
  const { db } = ctx;
  const c = await getCampaign({ ctx, input: { id: input.campaignId } });
  if (c.status !== "sending") return { outcome: "stopped", sent: 0, failed: 0, status: c.status };
  const S = srcSchema();
  const rows = await executeRows<TRow>(
    db,
    sql`SELECT t.id, t.user_id, t.email, u.name, coalesce(sub.plan, 'free') AS plan
        FROM crm_campaign_tracking t LEFT JOIN ${S}.users u ON u.id = t.user_id
        LEFT JOIN LATERAL (SELECT plan FROM ${S}.subscriptions s WHERE s.user_id = t.user_id ORDER BY started_at DESC, id DESC LIMIT 1) sub ON true
        WHERE t.campaign_id = ${c.id}::uuid AND t.batch_no = ${input.batchNo} AND t.status = 'queued' ORDER BY t.user_id`,
  );
  if (!rows.length) return { outcome: "empty", sent: 0, failed: 0 };
  if (c.type === "push") throw new InvalidInputError("Push campaigns are delivered by push batches (deliver-push.ts)");

  if (c.type === "in_app") {
    // Each user's copy, with the merge variables filled as plain text; in the inbox (delivered) at once.
    const copies = rows.map((r) => {
      const values = userVariables({ email: r.email, name: r.name, plan: r.plan }, unsubscribeUrl({ id: r.user_id, email: r.email }));
      return {
        userId: r.user_id,
        subject: c.subject ? fillPlainText(c.subject, values).replace(/\s+/g, " ").trim() : null,
        content: fillPlainText(c.content, values),
      };
    });
    await db.transaction(async (tx) => {
      await tx.execute(sql`
        INSERT INTO crm_messages (user_id, thread_id, from_admin_id, subject, content, direction, channel, status, campaign_id)
        SELECT x.user_id, x.user_id, ${c.createdById}::uuid, x.subject, x.content, 'outbound', 'in_app', 'sent', ${c.id}::uuid
        FROM json_to_recordset(${JSON.stringify(copies.map((x) => ({ user_id: x.userId, subject: x.subject, content: x.content })))}::json)
          AS x(user_id uuid, subject text, content text)`);
      await recordSent(
        tx,
        c.id,
        input.batchNo,
        rows.map((r) => ({ id: r.id, providerId: null })),
        { delivered: true },
      );
    });
    return { outcome: "sent", sent: rows.length, failed: 0 };
  }

  // Addresses the provider would refuse fail here, deterministically, so the batch sent under the key never changes.
  const invalid = rows.filter((r) => !EMAIL.test(r.email));
  const valid = rows.filter((r) => EMAIL.test(r.email));
  if (invalid.length) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`UPDATE crm_campaign_tracking SET status = 'failed', error = 'Invalid email address'
        WHERE id IN (${sql.join(
          invalid.map((r) => sql`${r.id}::uuid`),
          sql`, `,
        )}) AND status = 'queued'`);
      await tx.execute(sql`UPDATE crm_campaigns SET failed_count = failed_count + ${invalid.length} WHERE id = ${c.id}::uuid`);
    });
  }
  if (!valid.length) return { outcome: "sent", sent: 0, failed: invalid.length };

  const rendered = await renderedFor(db, c);
  const messages = valid.map((r) =>
    emailMessageFor(rendered, { id: r.user_id, email: r.email, name: r.name, plan: r.plan }, [
      { name: "campaign_id", value: c.id },
      { name: "recipient_id", value: r.id },
    ]),
  );
  const results = await ctx.email.sendBatch(messages, { idempotencyKey: `campaign-${c.id}-batch-${input.batchNo}` });
  await db.transaction(async (tx) =>
    recordSent(
      tx,
      c.id,
      input.batchNo,
      valid.map((r, i) => ({ id: r.id, providerId: results[i]?.id ?? null })),
    ),
  );
  return { outcome: "sent", sent: valid.length, failed: invalid.length };
}

/** Marks the batch's rows sent (and, for in-app messages, which are in the inbox once written, delivered). */
async function recordSent(
  tx: DbOrTx,
  campaignId: string,
  batchNo: number,
  sent: { id: string; providerId: string | null }[],
  opts: { delivered?: boolean } = {},
) {
  const [done] = await executeRows<{ n: string | number }>(
    tx,
    sql`WITH x AS (SELECT * FROM unnest(ARRAY[${sql.join(
      sent.map((s) => sql`${s.id}::uuid`),
      sql`, `,
    )}], ARRAY[${sql.join(
      sent.map((s) => sql`${s.providerId}::text`),
      sql`, `,
    )}]) AS x(id, provider_id)),
    upd AS (
      UPDATE crm_campaign_tracking t SET status = ${opts.delivered ? "delivered" : "sent"}, provider_message_id = x.provider_id, sent_at = now(),
        timestamp = now(), delivered_at = ${opts.delivered ? sql`now()` : sql`t.delivered_at`}
      FROM x WHERE t.id = x.id AND t.campaign_id = ${campaignId}::uuid AND t.batch_no = ${batchNo} AND t.status = 'queued'
      RETURNING 1)
    SELECT count(*) AS n FROM upd`,
  );
  await tx.execute(
    sql`UPDATE crm_campaigns SET sent_count = sent_count + ${Number(done?.n ?? 0)}, updated_at = now() WHERE id = ${campaignId}::uuid`,
  );
}
