import { eq, type SQL, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { crmSettings } from "@/server/db/schema";
import { inLocalWindow, nextInLocalWindow } from "@/shared/local-window";
import { DEFAULT_MESSAGING_RULES, type TMessagingRules, ZMessagingRules } from "@/shared/schemas/messaging-rules";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";

export type { TMessagingRules };

const KEY = "messaging-rules";

/** The caps and quiet hours in force (the defaults, none, until an admin sets them). */
export async function messagingRules(db: DbOrTx): Promise<TMessagingRules> {
  const [row] = await db.select({ value: crmSettings.value }).from(crmSettings).where(eq(crmSettings.key, KEY));
  const parsed = ZMessagingRules.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_MESSAGING_RULES;
}

export async function getMessagingRules({ ctx }: TServiceArgs<void>) {
  return messagingRules(ctx.db);
}

export async function setMessagingRules({ ctx, input }: TServiceArgs<TMessagingRules, AdminActor>) {
  const parsed = ZMessagingRules.safeParse(input);
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues[0]?.message ?? "Invalid rules");
  if (parsed.data.quietHours) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: parsed.data.quietHours.timeZone });
    } catch {
      throw new InvalidInputError(`Unknown time zone ${parsed.data.quietHours.timeZone}`);
    }
  }
  return ctx.db.transaction(async (tx) => {
    const before = await messagingRules(tx);
    await tx
      .insert(crmSettings)
      .values({ key: KEY, value: parsed.data, updatedById: ctx.actor.id, updatedAt: ctx.clock() })
      .onConflictDoUpdate({ target: crmSettings.key, set: { value: parsed.data, updatedById: ctx.actor.id, updatedAt: ctx.clock() } });
    await writeAuditLog(tx, ctx.actor, {
      action: "settings.messaging_rules",
      targetType: "settings",
      targetId: null,
      before,
      after: parsed.data,
    });
    return parsed.data;
  });
}

export type THold = { until: Date; reason: "quiet" | "capped" };

type TChannel = "email" | "push" | "in_app";

/** When quiet hours are on for `channel` at `now`, the moment they end; null otherwise (in-app messages are never quiet). */
export function quietUntil(rules: TMessagingRules, channel: TChannel, now: Date): Date | null {
  const q = rules.quietHours;
  if (!q || channel === "in_app" || !inLocalWindow(now, q)) return null;
  return nextInLocalWindow(now, { fromHour: q.toHour, toHour: q.fromHour, timeZone: q.timeZone });
}

/**
 * The users who have reached the channel's cap at `now` (user_id, and the
 * time of the oldest message counted); no one when the channel has no cap.
 * Counted: automation messages not failed, and campaign messages sent, on
 * the same channel, in the window ending now. `users` narrows it (a user_id
 * condition pushed into both halves, so each uses its index).
 */
export function cappedUsersSql(rules: TMessagingRules, channel: TChannel, now: Date, users?: SQL) {
  const cap = rules.caps[channel];
  if (!cap) return sql`SELECT NULL::uuid AS user_id, NULL::timestamptz AS oldest WHERE false`;
  const since = new Date(now.getTime() - cap.days * 86_400_000).toISOString();
  const only = (col: SQL) => (users ? sql`AND ${col} IN (${users})` : sql``);
  return sql`SELECT user_id, min(at) AS oldest FROM (
      SELECT user_id, created_at AS at FROM crm_messages
      WHERE automation_id IS NOT NULL AND channel = ${channel} AND status <> 'failed'
        AND created_at > ${since}::timestamptz ${only(sql`user_id`)}
      UNION ALL
      SELECT t.user_id, t.sent_at FROM crm_campaign_tracking t JOIN crm_campaigns c ON c.id = t.campaign_id
      WHERE c.type = ${channel} AND t.sent_at > ${since}::timestamptz ${only(sql`t.user_id`)}) counted
    GROUP BY user_id HAVING count(*) >= ${cap.max}`;
}

/**
 * Which of these users may not get a marketing message on `channel` now, and
 * until when: quiet hours (email and push; an in-app message waits in the
 * app anyway) end at the window's end; a cap frees up when the oldest
 * message counted in the window leaves it.
 */
export async function capHolds(
  db: DbOrTx,
  rules: TMessagingRules,
  channel: TChannel,
  runs: { user_id: string }[],
  now: Date,
): Promise<Map<string, THold>> {
  const holds = new Map<string, THold>();
  if (!runs.length) return holds;
  const quiet = quietUntil(rules, channel, now);
  if (quiet) {
    for (const r of runs) holds.set(r.user_id, { until: quiet, reason: "quiet" });
    return holds;
  }
  const cap = rules.caps[channel];
  if (!cap) return holds;
  const users = sql.join(
    [...new Set(runs.map((r) => r.user_id))].map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const rows = await executeRows<{ user_id: string; oldest: Date | string }>(db, cappedUsersSql(rules, channel, now, users));
  for (const r of rows)
    holds.set(r.user_id, { until: new Date(new Date(r.oldest).getTime() + cap.days * 86_400_000 + 1000), reason: "capped" });
  return holds;
}
