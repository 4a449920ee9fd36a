import { sql } from "drizzle-orm";
import { pushServiceHosts } from "@/lib/env";
import { executeRows } from "@/server/db/client";
import { PUSH_NOT_CONFIGURED } from "@/server/push";
import { endpointProblem } from "@/server/push/endpoints";
import { ZPushSubscriptionBody } from "@/shared/schemas/push";
import type { TServiceArgs, WebhookActor } from "../context";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors";
import { requireUser } from "../messaging/main-app-api";

/** A user's browsers beyond this many: the least recently refreshed goes (a browser re-subscribes on its next visit). */
export const MAX_SUBSCRIPTIONS_PER_USER = 20;

export type TPushSubscriptionView = { id: string; endpoint: string; createdAt: Date; updatedAt: Date; lastSuccessAt: Date | null };

/**
 * The main app registers a browser's PushSubscription for a user.
 * Idempotent per endpoint: the same browser again (or signed in as another
 * user since) updates its row. Refused without a change: a body that is not
 * a PushSubscription, an endpoint that is not a known push service (the CRM
 * would otherwise POST wherever it was told), an unknown user.
 */
export async function registerPushSubscription({ ctx, input }: TServiceArgs<{ userId: string; body: unknown }, WebhookActor>) {
  if (!ctx.push.configured) throw new ConflictError(`${PUSH_NOT_CONFIGURED} Nothing was stored.`);
  const body = ZPushSubscriptionBody.parse(input.body);
  const problem = endpointProblem(body.endpoint, pushServiceHosts());
  if (problem) throw new InvalidInputError(`endpoint: ${problem}`);
  await requireUser(ctx.db, input.userId);
  return ctx.db.transaction(async (tx) => {
    const [row] = await executeRows<{ id: string; created: boolean; created_at: Date; updated_at: Date }>(
      tx,
      sql`INSERT INTO crm_push_subscriptions (user_id, endpoint, p256dh, auth, user_agent)
          VALUES (${input.userId}::uuid, ${body.endpoint}, ${body.keys.p256dh}, ${body.keys.auth}, ${body.userAgent ?? null})
          ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth,
            user_agent = coalesce(excluded.user_agent, crm_push_subscriptions.user_agent), updated_at = now()
          RETURNING id, (xmax = 0) AS created, created_at, updated_at`,
    );
    if (!row) throw new Error("upsert returned nothing");
    await tx.execute(sql`DELETE FROM crm_push_subscriptions WHERE id IN (
        SELECT id FROM crm_push_subscriptions WHERE user_id = ${input.userId}::uuid
        ORDER BY updated_at DESC, id DESC OFFSET ${MAX_SUBSCRIPTIONS_PER_USER})`);
    return { id: row.id, created: Boolean(row.created), createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at) };
  });
}

/** The main app removes a subscription (the user turned notifications off): by its id, or by the browser's endpoint. */
export async function removePushSubscription({
  ctx,
  input,
}: TServiceArgs<{ userId: string; subscriptionId?: string; endpoint?: string }, WebhookActor>) {
  if (!input.subscriptionId && !input.endpoint) {
    throw new InvalidInputError("Name the subscription: DELETE …/push-subscriptions/<id>, or …/push-subscriptions?endpoint=<its endpoint>");
  }
  await requireUser(ctx.db, input.userId);
  const rows = await executeRows<{ id: string }>(
    ctx.db,
    sql`DELETE FROM crm_push_subscriptions WHERE user_id = ${input.userId}::uuid AND ${
      input.subscriptionId ? sql`id = ${input.subscriptionId}::uuid` : sql`endpoint = ${input.endpoint ?? ""}`
    } RETURNING id`,
  );
  if (!rows.length) throw new NotFoundError("This user has no such push subscription");
  return { id: rows[0]?.id, removed: true };
}

/** A user's subscriptions, newest first (the main app's view, and the profile's device count). */
export async function listPushSubscriptions({ ctx, input }: TServiceArgs<{ userId: string }>): Promise<TPushSubscriptionView[]> {
  const rows = await executeRows<{ id: string; endpoint: string; created_at: Date; updated_at: Date; last_success_at: Date | null }>(
    ctx.db,
    sql`SELECT id, endpoint, created_at, updated_at, last_success_at FROM crm_push_subscriptions
        WHERE user_id = ${input.userId}::uuid ORDER BY updated_at DESC, id DESC LIMIT ${MAX_SUBSCRIPTIONS_PER_USER}`,
  );
  return rows.map((r) => ({
    id: r.id,
    endpoint: r.endpoint,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    lastSuccessAt: r.last_success_at ? new Date(r.last_success_at) : null,
  }));
}

/** Whether push can be used, and the key browsers subscribe with. */
export function pushStatus({ ctx }: TServiceArgs<void>) {
  return { configured: ctx.push.configured, publicKey: ctx.push.publicKey };
}
