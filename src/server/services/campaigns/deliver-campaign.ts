import { and, eq, sql } from "drizzle-orm";
import { env } from "@/lib/env";
import { type Db, type DbOrTx, executeRows } from "@/server/db/client";
import { crmCampaigns, crmEmailTemplateVersions } from "@/server/db/schema";
import { createEmailProvider, type EmailProvider, EmailSendError, MAX_BATCH, senderDefaults, type TEmailMessage } from "@/server/email";
import { parseTemplate } from "@/server/templates/parse-template";
import { compileTemplate, personalize, type TCompiledTemplate, userVariables } from "@/server/templates/render-template";
import { srcSchema } from "../analytics/source";
import { writeAuditLog } from "../audit/write-audit-log";
import type { Actor } from "../context";
import { InvalidInputError } from "../errors";
import { listUnsubscribeHeaders, unsubscribeUrl } from "../messaging/unsubscribe";
import { recomputeSegment } from "../segments/recompute-segment";
import { assertReady, getCampaign, type TCampaign } from "./manage-campaigns";
import { assertTransition } from "./transitions";

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
 */

const REASON = "You are receiving this because you have a VibrationFit account.";
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Snapshots the audience (the segment recomputed now, minus suppressed addresses) and starts sending. */
export async function startCampaignSend(db: Db, actor: Actor, campaignId: string) {
  const before = await getCampaign(db, campaignId);
  assertTransition(before.status, "sending", before.name);
  await assertReady(db, before);
  if (!before.segmentId) throw new InvalidInputError("Choose a segment");
  await recomputeSegment(db, before.segmentId);
  const S = srcSchema();
  return db.transaction(async (tx) => {
    const [c] = await tx.select().from(crmCampaigns).where(eq(crmCampaigns.id, campaignId)).for("update");
    if (!c?.segmentId) throw new InvalidInputError("Choose a segment");
    assertTransition(c.status, "sending", c.name);
    let version: number | null = null;
    if (c.templateId) {
      const [t] = await executeRows<{ current_version: number }>(
        tx,
        sql`SELECT current_version FROM crm_email_templates WHERE id = ${c.templateId}`,
      );
      version = t ? Number(t.current_version) : null;
    }
    const suppressed = c.type === "email" ? sql`AND NOT EXISTS (SELECT 1 FROM crm_suppressions x WHERE x.email = lower(u.email))` : sql``;
    // One set-based insert: row numbers give each recipient its batch of up to 100.
    const [snap] = await executeRows<{ n: string | number }>(
      tx,
      sql`WITH ins AS (
            INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, batch_no)
            SELECT ${c.id}::uuid, u.id, u.email, 'queued', ((row_number() OVER (ORDER BY u.id)) - 1) / ${MAX_BATCH}
            FROM crm_segment_members sm JOIN ${S}.users u ON u.id = sm.user_id
            WHERE sm.segment_id = ${c.segmentId}::uuid ${suppressed}
            ON CONFLICT (campaign_id, user_id) DO NOTHING
            RETURNING 1)
          SELECT count(*) AS n FROM ins`,
    );
    const total = Number(snap?.n ?? 0);
    const [after] = await tx
      .update(crmCampaigns)
      .set({ status: "sending", startedAt: new Date(), totalRecipients: total, templateVersion: version, updatedAt: new Date() })
      .where(eq(crmCampaigns.id, c.id))
      .returning();
    await writeAuditLog(tx, actor, {
      action: "campaign.sending",
      targetType: "campaign",
      targetId: c.id,
      after: { totalRecipients: total, templateVersion: version },
    });
    return after ?? c;
  });
}

/** The batch numbers that still have unsent recipients, in order. */
export async function pendingBatches(db: DbOrTx, campaignId: string): Promise<number[]> {
  const rows = await executeRows<{ batch_no: number }>(
    db,
    sql`SELECT DISTINCT batch_no FROM crm_campaign_tracking WHERE campaign_id = ${campaignId}::uuid AND status = 'queued' ORDER BY batch_no`,
  );
  return rows.map((r) => Number(r.batch_no));
}

const compiledCache = new Map<string, Promise<TCompiledTemplate>>();

/** The campaign's email, rendered through React Email once per process and campaign. */
async function compiledFor(db: DbOrTx, c: TCampaign): Promise<{ compiled: TCompiledTemplate; subjectFallback: string }> {
  const key = `${c.id}:${c.templateVersion ?? "inline"}`;
  let pending = compiledCache.get(key);
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
      const { template, problems } = parseTemplate(subject, body);
      if (problems.length) throw new InvalidInputError(`The campaign's content has problems: ${problems.map((p) => p.message).join("; ")}`);
      return compileTemplate(template, { reason: REASON, postalAddress: senderDefaults().postalAddress });
    })();
    compiledCache.set(key, pending);
    pending.catch(() => compiledCache.delete(key));
  }
  return { compiled: await pending, subjectFallback: c.subject ?? "" };
}

type TRow = { id: string; user_id: string; email: string; name: string | null; plan: string };

export type TBatchResult = { outcome: "sent" | "empty" | "stopped"; sent: number; failed: number; status?: string };

/**
 * Sends one batch. Stops (sends nothing) unless the campaign is sending, so
 * pause and cancel take effect between batches. Errors from the provider are
 * thrown as EmailSendError (rate_limited carries retryAfterMs) for the caller
 * to retry the same batch.
 */
export async function deliverBatch(
  db: Db,
  campaignId: string,
  batchNo: number,
  opts: { provider?: EmailProvider } = {},
): Promise<TBatchResult> {
  const c = await getCampaign(db, campaignId);
  if (c.status !== "sending") return { outcome: "stopped", sent: 0, failed: 0, status: c.status };
  const S = srcSchema();
  const rows = await executeRows<TRow>(
    db,
    sql`SELECT t.id, t.user_id, t.email, u.name, coalesce(sub.plan, 'free') AS plan
        FROM crm_campaign_tracking t LEFT JOIN ${S}.users u ON u.id = t.user_id
        LEFT JOIN LATERAL (SELECT plan FROM ${S}.subscriptions s WHERE s.user_id = t.user_id ORDER BY started_at DESC, id DESC LIMIT 1) sub ON true
        WHERE t.campaign_id = ${c.id}::uuid AND t.batch_no = ${batchNo} AND t.status = 'queued' ORDER BY t.user_id`,
  );
  if (!rows.length) return { outcome: "empty", sent: 0, failed: 0 };

  if (c.type === "in_app") {
    await db.transaction(async (tx) => {
      await tx.execute(sql`
        INSERT INTO crm_messages (user_id, thread_id, from_admin_id, subject, content, direction, channel, status)
        SELECT t.user_id, t.user_id, ${c.createdById}::uuid, ${c.subject}, ${c.content}, 'outbound', 'in_app', 'sent'
        FROM crm_campaign_tracking t WHERE t.campaign_id = ${c.id}::uuid AND t.batch_no = ${batchNo} AND t.status = 'queued'`);
      await recordSent(
        tx,
        c.id,
        batchNo,
        rows.map((r) => ({ id: r.id, providerId: null })),
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

  const { compiled } = await compiledFor(db, c);
  const sender = senderDefaults();
  const messages: TEmailMessage[] = valid.map((r) => {
    const user = { id: r.user_id, email: r.email };
    const copy = personalize(compiled, userVariables({ email: r.email, name: r.name, plan: r.plan }, unsubscribeUrl(user)));
    return {
      to: [r.email],
      from: sender.from,
      replyTo: sender.replyTo,
      subject: copy.subject,
      html: copy.html,
      text: copy.text,
      headers: listUnsubscribeHeaders(user),
      tags: [
        { name: "campaign_id", value: c.id },
        { name: "recipient_id", value: r.id },
      ],
    };
  });
  const provider = opts.provider ?? createEmailProvider(db);
  const results = await provider.sendBatch(messages, { idempotencyKey: `campaign-${c.id}-batch-${batchNo}` });
  await db.transaction(async (tx) =>
    recordSent(
      tx,
      c.id,
      batchNo,
      valid.map((r, i) => ({ id: r.id, providerId: results[i]?.id ?? null })),
    ),
  );
  return { outcome: "sent", sent: valid.length, failed: invalid.length };
}

async function recordSent(tx: DbOrTx, campaignId: string, batchNo: number, sent: { id: string; providerId: string | null }[]) {
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
      UPDATE crm_campaign_tracking t SET status = 'sent', provider_message_id = x.provider_id, sent_at = now(), timestamp = now()
      FROM x WHERE t.id = x.id AND t.campaign_id = ${campaignId}::uuid AND t.batch_no = ${batchNo} AND t.status = 'queued'
      RETURNING 1)
    SELECT count(*) AS n FROM upd`,
  );
  await tx.execute(
    sql`UPDATE crm_campaigns SET sent_count = sent_count + ${Number(done?.n ?? 0)}, updated_at = now() WHERE id = ${campaignId}::uuid`,
  );
}

/** Marks a sending campaign sent once no recipient is left queued. */
export async function finishIfDone(db: Db, campaignId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [c] = await tx.select().from(crmCampaigns).where(eq(crmCampaigns.id, campaignId)).for("update");
    if (c?.status !== "sending") return false;
    if ((await pendingBatches(tx, campaignId)).length) return false;
    await tx
      .update(crmCampaigns)
      .set({ status: "sent", sentAt: new Date(), finishedAt: new Date(), updatedAt: new Date() })
      .where(eq(crmCampaigns.id, campaignId));
    return true;
  });
}

/**
 * The provider's rate (requests per second) kept at the moment of each
 * request: any two requests start at least 1/rate seconds apart, so no
 * one-second window ever holds more than the rate.
 */
function spaced(provider: EmailProvider, ratePerSecond: number, sleep: (ms: number) => Promise<void>): EmailProvider {
  const spacingMs = 1000 / ratePerSecond;
  let nextAt = 0;
  const wait = async () => {
    const ms = nextAt - performance.now();
    if (ms > 0) await sleep(Math.ceil(ms)); // timers round down: never wake early
    nextAt = performance.now() + spacingMs;
  };
  return {
    mode: provider.mode,
    send: async (message, options) => {
      await wait();
      return provider.send(message, options);
    },
    sendBatch: async (messages, options) => {
      await wait();
      return provider.sendBatch(messages, options);
    },
  };
}

/**
 * The in-process orchestrator (no Inngest server): batches in order, each
 * retried until it is recorded: after a 429 it waits for retry-after, after a
 * transient or database error it backs off. Stops when the campaign is
 * paused or canceled, and gives up on a batch only after `maxAttempts`.
 */
export async function runCampaignDelivery(
  db: Db,
  campaignId: string,
  opts: {
    provider?: EmailProvider;
    maxAttempts?: number;
    sleep?: (ms: number) => Promise<void>;
    backoffMs?: number;
    ratePerSecond?: number;
  } = {},
) {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxAttempts = opts.maxAttempts ?? 8;
  const provider = spaced(opts.provider ?? createEmailProvider(db), opts.ratePerSecond ?? env().CAMPAIGN_SEND_RATE, sleep);
  let attempts = 0;
  for (const batchNo of await pendingBatches(db, campaignId)) {
    for (let attempt = 1; ; attempt++) {
      attempts++;
      try {
        const r = await deliverBatch(db, campaignId, batchNo, { provider });
        if (r.outcome === "stopped") return { finished: false, stoppedBecause: r.status, attempts };
        break;
      } catch (err) {
        const permanent = err instanceof EmailSendError && err.kind === "permanent";
        if (permanent || attempt >= maxAttempts) {
          const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
          await db
            .update(crmCampaigns)
            .set({ status: "failed", lastError: `Batch ${batchNo}: ${message}`, finishedAt: new Date() })
            .where(eq(crmCampaigns.id, campaignId));
          return { finished: false, stoppedBecause: "failed", attempts };
        }
        const wait =
          err instanceof EmailSendError && err.kind === "rate_limited"
            ? (err.retryAfterMs ?? 1000)
            : (opts.backoffMs ?? 500) * 2 ** (attempt - 1);
        await sleep(wait);
      }
    }
  }
  return { finished: await finishIfDone(db, campaignId), attempts };
}
