import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import { PUSH_NOT_CONFIGURED } from "@/server/push";
import {
  MAX_PUSH_PAYLOAD_BYTES,
  PushRetryError,
  type PushSender,
  type TPushOptions,
  type TPushOutcome,
  type TPushTarget,
} from "@/server/push/types";
import { fillPlainText } from "@/shared/templates/plain-text";
import { getCampaign } from "../campaigns/manage-campaigns";
import type { TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";
import { unsubscribeUrl } from "../messaging/unsubscribe";
import { userVariables } from "../templates/render-template";
import { clickUrl } from "./push-links";

/*
 * Push delivery keeps one invariant per device: a device's row leaves
 * `queued` exactly once, in the transaction that records what its push
 * service answered. A retry (after a 429, a 5xx, a crash) sends only the
 * rows still queued. Web Push has no idempotency key, so the one window
 * left — the service accepted, the worker died before the commit — is
 * closed by the protocol: every push of a campaign (or message) carries one
 * Topic (RFC 8030 §5.4), so a repeat replaces the message the service still
 * holds, and one notification tag, so a device that already showed it shows
 * it once (docs/campaigns.md).
 */

/** Push requests of one batch in flight at once (the spaced sender still holds PUSH_SEND_RATE). */
export const PUSH_CONCURRENCY = 32;
/** A device answered 429/5xx this many times is given up on (failed), so one broken push service cannot hold a campaign. */
export const MAX_DEVICE_ATTEMPTS = 8;
/** Campaign pushes are worth showing for a day; a one-on-one push for a week. */
export const CAMPAIGN_PUSH: Omit<TPushOptions, "topic"> = { ttlSeconds: 86_400, urgency: "normal" };
export const DIRECT_PUSH: Omit<TPushOptions, "topic"> = { ttlSeconds: 604_800, urgency: "normal" };

/** What the service worker reads (docs/api.md): one JSON object, at most 3,993 bytes. */
export type TPushPayload = { title: string; body: string; url: string; tag: string; icon?: string };

/** The RFC 8030 topic of a campaign or message: its id without dashes (32 base64url characters). */
export const topicOf = (id: string) => id.replace(/-/g, "");

type TDevice = { deliveryId: string; subscriptionId: string | null; attempts: number; target: TPushTarget | null; payload: TPushPayload };
type TResult = { deliveryId: string; subscriptionId: string | null; attempts: number; outcome: TPushOutcome };

/** Sends each device its payload, PUSH_CONCURRENCY at a time; a device with no subscription left is "gone" without a request. */
async function sendAll(push: PushSender, devices: TDevice[], options: TPushOptions): Promise<TResult[]> {
  const results: TResult[] = new Array(devices.length);
  let next = 0;
  const worker = async () => {
    while (next < devices.length) {
      const i = next++;
      const d = devices[i] as TDevice;
      let outcome: TPushOutcome;
      const json = JSON.stringify(d.payload);
      if (!d.target) outcome = { kind: "gone", status: 0, error: "The subscription was removed before sending" };
      else if (Buffer.byteLength(json) > MAX_PUSH_PAYLOAD_BYTES) {
        outcome = { kind: "rejected", status: null, error: `The personalised notification is over ${MAX_PUSH_PAYLOAD_BYTES} bytes` };
      } else outcome = await push.send(d.target, json, options);
      results[i] = { deliveryId: d.deliveryId, subscriptionId: d.subscriptionId, attempts: d.attempts + 1, outcome };
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUSH_CONCURRENCY, devices.length) }, worker));
  return results;
}

/** The device rows' new states, in one statement; accepted subscriptions are marked alive, gone ones removed. */
async function recordOutcomes(tx: DbOrTx, results: TResult[]) {
  if (!results.length) return;
  const rows = results.map((r) => {
    const o = r.outcome;
    const giveUp = o.kind === "retry" && r.attempts >= MAX_DEVICE_ATTEMPTS;
    const status = o.kind === "accepted" ? "accepted" : o.kind === "gone" ? "gone" : o.kind === "rejected" || giveUp ? "failed" : "queued";
    const error = o.kind === "accepted" ? null : giveUp ? `Gave up after ${r.attempts} attempts: ${o.error}` : o.error;
    return { id: r.deliveryId, status, code: o.status || null, error: error?.slice(0, 500) ?? null, attempts: r.attempts };
  });
  await tx.execute(sql`
    UPDATE crm_push_deliveries d SET status = x.status, status_code = x.code, error = x.error, attempts = x.attempts,
      sent_at = CASE WHEN x.status = 'accepted' THEN now() ELSE d.sent_at END
    FROM json_to_recordset(${JSON.stringify(rows)}::json) AS x(id uuid, status text, code int, error text, attempts int)
    WHERE d.id = x.id AND d.status = 'queued'`);
  const ids = (kind: TPushOutcome["kind"]) =>
    results.filter((r) => r.outcome.kind === kind && r.subscriptionId).map((r) => r.subscriptionId as string);
  const alive = ids("accepted");
  if (alive.length) {
    await tx.execute(
      sql`UPDATE crm_push_subscriptions SET last_success_at = now() WHERE id IN (${sql.join(
        alive.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`,
    );
  }
  const gone = ids("gone");
  if (gone.length) {
    await tx.execute(
      sql`DELETE FROM crm_push_subscriptions WHERE id IN (${sql.join(
        gone.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`,
    );
  }
}

/** After recording: the devices still to try, as the error the job engine retries on (Retry-After honoured). */
function retryOf(results: TResult[]): PushRetryError | null {
  const again = results.filter((r) => r.outcome.kind === "retry" && r.attempts < MAX_DEVICE_ATTEMPTS);
  if (!again.length) return null;
  const waits = again
    .map((r) => (r.outcome.kind === "retry" ? r.outcome.retryAfterMs : undefined))
    .filter((x): x is number => x !== undefined);
  const first = again[0]?.outcome as Extract<TPushOutcome, { kind: "retry" }>;
  return new PushRetryError(
    `${again.length} device${again.length === 1 ? "" : "s"} to try again (${first.error})`,
    waits.length ? Math.max(...waits) : undefined,
  );
}

type TDeviceRow = {
  delivery_id: string;
  tracking_id: string;
  user_id: string;
  attempts: number;
  subscription_id: string | null;
  endpoint: string | null;
  p256dh: string | null;
  auth: string | null;
  email: string;
  name: string | null;
  plan: string;
};

export type TPushBatchResult = { outcome: "sent" | "empty" | "stopped"; sent: number; failed: number; status?: string };

/**
 * Sends one push batch: every queued device of the batch's recipients, each
 * with its user's personalised title and body (merge variables filled as
 * plain text). Records each device's answer and each recipient's outcome
 * (delivered when one device's push service accepted) in one transaction,
 * then throws PushRetryError when devices are left to try again.
 */
export async function deliverPushBatch({ ctx, input }: TServiceArgs<{ campaignId: string; batchNo: number }>): Promise<TPushBatchResult> {
  const c = await getCampaign({ ctx, input: { id: input.campaignId } });
  if (c.status !== "sending") return { outcome: "stopped", sent: 0, failed: 0, status: c.status };
  if (!ctx.push.configured) throw new InvalidInputError(PUSH_NOT_CONFIGURED);
  const S = srcSchema();
  const rows = await executeRows<TDeviceRow>(
    ctx.db,
    sql`SELECT d.id AS delivery_id, d.tracking_id, d.user_id, d.attempts, s.id AS subscription_id, s.endpoint, s.p256dh, s.auth,
               t.email, u.name, coalesce(sub.plan, 'free') AS plan
        FROM crm_campaign_tracking t
        JOIN crm_push_deliveries d ON d.tracking_id = t.id AND d.status = 'queued'
        LEFT JOIN crm_push_subscriptions s ON s.id = d.subscription_id
        LEFT JOIN ${S}.users u ON u.id = t.user_id
        LEFT JOIN LATERAL (SELECT plan FROM ${S}.subscriptions x WHERE x.user_id = t.user_id ORDER BY started_at DESC, id DESC LIMIT 1) sub ON true
        WHERE t.campaign_id = ${c.id}::uuid AND t.batch_no = ${input.batchNo} AND t.status = 'queued'
        ORDER BY t.user_id, d.id`,
  );
  const tag = `campaign-${c.id}`;
  const perUser = new Map<string, { title: string; body: string }>();
  const devices: TDevice[] = rows.map((r) => {
    let text = perUser.get(r.user_id);
    if (!text) {
      const values = userVariables({ email: r.email, name: r.name, plan: r.plan }, unsubscribeUrl({ id: r.user_id, email: r.email }));
      text = {
        title: fillPlainText(c.subject ?? "", values)
          .replace(/\s+/g, " ")
          .trim(),
        body: fillPlainText(c.content, values).trim(),
      };
      perUser.set(r.user_id, text);
    }
    return {
      deliveryId: r.delivery_id,
      subscriptionId: r.subscription_id,
      attempts: Number(r.attempts),
      target: r.endpoint && r.p256dh && r.auth ? { endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth } : null,
      payload: { ...text, url: clickUrl(r.delivery_id), tag, ...(c.pushIcon ? { icon: c.pushIcon } : {}) },
    };
  });
  const results = await sendAll(ctx.push, devices, { ...CAMPAIGN_PUSH, topic: topicOf(c.id) });
  const resolved = await ctx.db.transaction(async (tx) => {
    await recordOutcomes(tx, results);
    return resolveRecipients(tx, c.id, input.batchNo);
  });
  const retry = retryOf(results);
  if (retry) throw retry;
  if (!rows.length && !resolved.delivered && !resolved.failed) return { outcome: "empty", sent: 0, failed: 0 };
  return { outcome: "sent", sent: resolved.delivered, failed: resolved.failed };
}

/** Recipients of the batch with no device left queued: delivered when a push service accepted one of their devices, else failed with the first device's reason. */
async function resolveRecipients(tx: DbOrTx, campaignId: string, batchNo: number) {
  const [r] = await executeRows<{ delivered: string | number; failed: string | number }>(
    tx,
    sql`WITH r AS (
          SELECT t.id, coalesce(bool_or(d.status = 'accepted'), false) AS ok, coalesce(bool_or(d.status = 'queued'), false) AS pending,
                 (array_agg(d.error ORDER BY d.id) FILTER (WHERE d.error IS NOT NULL))[1] AS err
          FROM crm_campaign_tracking t LEFT JOIN crm_push_deliveries d ON d.tracking_id = t.id
          WHERE t.campaign_id = ${campaignId}::uuid AND t.batch_no = ${batchNo} AND t.status = 'queued'
          GROUP BY t.id),
        upd AS (
          UPDATE crm_campaign_tracking t SET status = CASE WHEN r.ok THEN 'delivered' ELSE 'failed' END, sent_at = now(), timestamp = now(),
            delivered_at = CASE WHEN r.ok THEN now() ELSE NULL END,
            error = CASE WHEN r.ok THEN NULL ELSE coalesce(r.err, 'No device to send to') END
          FROM r WHERE t.id = r.id AND NOT r.pending AND t.status = 'queued'
          RETURNING r.ok)
        SELECT count(*) FILTER (WHERE ok) AS delivered, count(*) FILTER (WHERE NOT ok) AS failed FROM upd`,
  );
  const delivered = Number(r?.delivered ?? 0);
  const failed = Number(r?.failed ?? 0);
  if (delivered || failed) {
    await tx.execute(sql`UPDATE crm_campaigns SET sent_count = sent_count + ${delivered}, failed_count = failed_count + ${failed}, updated_at = now()
      WHERE id = ${campaignId}::uuid`);
  }
  return { delivered, failed };
}

/**
 * A one-on-one push (the conversation's composer): the message's row is
 * written first; each of the user's devices gets the push now, in the
 * request, once (no retries: a busy push service shows as the message's
 * error, and the admin can send again). The message is sent when one push
 * service accepted, failed otherwise.
 */
export async function pushToUser({
  ctx,
  input,
}: TServiceArgs<{ messageId: string; userId: string; title: string; body: string; url: string; icon?: string | null }>) {
  const subs = await executeRows<{ id: string; subscription_id: string; endpoint: string; p256dh: string; auth: string }>(
    ctx.db,
    sql`WITH ins AS (
          INSERT INTO crm_push_deliveries (user_id, message_id, subscription_id, push_service)
          SELECT s.user_id, ${input.messageId}::uuid, s.id, substring(s.endpoint from '^[a-z]+://([^/?#]+)')
          FROM crm_push_subscriptions s WHERE s.user_id = ${input.userId}::uuid
          RETURNING id, subscription_id)
        SELECT ins.id, ins.subscription_id, s.endpoint, s.p256dh, s.auth FROM ins JOIN crm_push_subscriptions s ON s.id = ins.subscription_id ORDER BY ins.id`,
  );
  const devices: TDevice[] = subs.map((s) => ({
    deliveryId: s.id,
    subscriptionId: s.subscription_id,
    attempts: 0,
    target: { endpoint: s.endpoint, p256dh: s.p256dh, auth: s.auth },
    payload: {
      title: input.title,
      body: input.body,
      url: clickUrl(s.id),
      tag: `message-${input.messageId}`,
      ...(input.icon ? { icon: input.icon } : {}),
    },
  }));
  const results = await sendAll(ctx.push, devices, { ...DIRECT_PUSH, topic: topicOf(input.messageId) });
  // One attempt: a device to "try again" is recorded as failed.
  const final = results.map((r) => (r.outcome.kind === "retry" ? { ...r, attempts: MAX_DEVICE_ATTEMPTS } : r));
  const accepted = final.filter((r) => r.outcome.kind === "accepted").length;
  const firstError = final.find((r) => r.outcome.kind !== "accepted")?.outcome;
  const error =
    accepted > 0
      ? null
      : devices.length === 0
        ? "No device to send to"
        : firstError && "error" in firstError
          ? firstError.error
          : "No push service accepted it";
  await ctx.db.transaction(async (tx) => {
    await recordOutcomes(tx, final);
    await tx.execute(
      sql`UPDATE crm_messages SET status = ${accepted ? "sent" : "failed"}, error = ${error} WHERE id = ${input.messageId}::uuid`,
    );
  });
  return { devices: devices.length, accepted, error };
}
