import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import { readRollupState } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { compileCriteria, criteriaFrom } from "@/server/services/segments/criteria/compile";
import type { TAutomationDefinition } from "@/shared/schemas/automations";
import type { TServiceArgs } from "../context";
import { loadReferencedCriteria } from "../segments/load-referenced-criteria";
import { liveDefinitions, type TLiveAutomation } from "./versions";

/*
 * Enrolment: every trigger ends here, as one INSERT … SELECT of candidate
 * (user, cause) pairs. The re-entry policy is a NOT EXISTS on earlier runs;
 * the unique indexes make it exactly once under retries and races: one
 * active run per automation and user, and one run per cause (trigger_key:
 * a segment history row, a source row, a sign-up anniversary).
 */

/** How far back source triggers look again each tick, for main-app rows committed after their timestamp. */
export const SOURCE_OVERLAP_MS = 10 * 60_000;
/** Criteria (threshold) triggers are evaluated at most this often. */
export const CRITERIA_TRIGGER_EVERY_MS = 10 * 60_000;

const iso = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** The re-entry policy as a condition on earlier runs `r` of the same automation and user. */
function blockingRun(def: TAutomationDefinition, now: Date) {
  switch (def.reentry.mode) {
    case "once":
      return sql`true`;
    case "every_n_days":
      return sql`(r.status = 'active' OR r.entered_at > ${iso(now)} - make_interval(days => ${def.reentry.days}))`;
    case "every_time":
      return sql`r.status = 'active'`;
  }
}

/**
 * Enrols the candidates (a query yielding `user_id uuid, trigger_key text`)
 * into the automation's live version. Returns how many runs started. The
 * control group is chosen by a hash of the user and automation, so a user
 * who re-enters stays in the same group.
 */
export async function enrolCandidates(
  db: DbOrTx,
  a: TLiveAutomation,
  candidates: ReturnType<typeof sql>,
  opts: { now: Date; enrolledBy: string; isTest?: boolean },
): Promise<string[]> {
  const S = srcSchema();
  const first = a.definition.steps[0]?.id ?? null;
  const pct = opts.isTest ? 0 : a.definition.controlPercent;
  // What keeps candidates out (runs with the same cause; the re-entry rule) is read into CTEs, for just these
  // candidates, before the first run is inserted. Probed inside the insert instead, in the table being filled, a plan
  // made while that table was empty (a new automation, a freshly vacuumed table) scans it once per candidate as it
  // grows: 80 s for 100,000 in the bench, where this takes a few seconds whatever the plan.
  const rows = await executeRows<{ user_id: string }>(
    db,
    sql`WITH cand0 AS MATERIALIZED (SELECT user_id, trigger_key FROM (${candidates}) c0),
        seen_keys AS MATERIALIZED (
          SELECT k.trigger_key FROM crm_automation_runs k
          WHERE k.automation_id = ${a.id}::uuid AND k.trigger_key IN (SELECT trigger_key FROM cand0 WHERE trigger_key IS NOT NULL)),
        cand AS MATERIALIZED (
          SELECT DISTINCT ON (user_id) user_id, trigger_key FROM cand0 c0
          WHERE c0.trigger_key IS NULL OR NOT EXISTS (SELECT 1 FROM seen_keys k WHERE k.trigger_key = c0.trigger_key)
          ORDER BY user_id, trigger_key),
        blocked AS MATERIALIZED (
          ${
            opts.isTest
              ? sql`SELECT NULL::uuid AS user_id WHERE false`
              : sql`SELECT DISTINCT r.user_id FROM crm_automation_runs r
                    WHERE r.automation_id = ${a.id}::uuid AND r.user_id IN (SELECT user_id FROM cand)
                      AND NOT r.is_test AND ${blockingRun(a.definition, opts.now)}`
          })
        INSERT INTO crm_automation_runs (automation_id, version, user_id, status, is_control, is_test, current_step, due_at,
          trigger_key, enrolled_by, entered_at)
        SELECT ${a.id}::uuid, ${a.version}, c.user_id, 'active',
               (hashtext(c.user_id::text || ${a.id}) & 2147483647) % 100 < ${pct}, ${opts.isTest ?? false},
               ${first}, ${iso(opts.now)}, c.trigger_key, ${opts.enrolledBy}, ${iso(opts.now)}
        FROM cand c
        WHERE EXISTS (SELECT 1 FROM ${S}.users u WHERE u.id = c.user_id)
          AND NOT EXISTS (SELECT 1 FROM blocked b WHERE b.user_id = c.user_id)
        ON CONFLICT DO NOTHING
        RETURNING user_id`,
  );
  return rows.map((r) => r.user_id);
}

/** Whether a live automation starts on entering or leaving this segment (the recompute then asks for a tick). */
export async function hasSegmentAutomations(db: DbOrTx, segmentId: string): Promise<boolean> {
  const [row] = await executeRows<{ any: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM crm_automations WHERE status = 'live' AND trigger_segment_id = ${segmentId}::uuid) AS any`,
  );
  return Boolean(row?.any);
}

/**
 * Segment triggers: the entries (or exits) the recompute wrote to the
 * membership history after the automation's history cursor. Recomputes of
 * one segment are serialised by its lock, so its history ids commit in order
 * and a cursor never skips one; each history row enrols at most once (its id
 * is the run's cause). In bounded slices: the next tick takes the rest.
 */
const HISTORY_SLICE = 200_000;
async function enrolFromSegmentHistory(db: DbOrTx, a: TLiveAutomation, now: Date): Promise<number> {
  const segmentId = triggerSegment(a.definition);
  if (!segmentId) return 0;
  const change = a.definition.trigger.kind === "segment_entered" ? "entered" : "exited";
  return db.transaction(async (tx) => {
    const [row] = await executeRows<{ cursor: string | number | null }>(
      tx,
      sql`SELECT enrol_history_id AS cursor FROM crm_automations WHERE id = ${a.id}::uuid FOR UPDATE`,
    );
    const cursor = Number(row?.cursor ?? 0);
    const [upTo] = await executeRows<{ id: string | number | null }>(
      tx,
      sql`SELECT max(id) AS id FROM (SELECT id FROM crm_segment_membership_history
          WHERE segment_id = ${segmentId}::uuid AND id > ${cursor} ORDER BY id LIMIT ${HISTORY_SLICE}) h`,
    );
    const last = upTo?.id === null || upTo?.id === undefined ? null : Number(upTo.id);
    if (last === null) return 0;
    const users = await enrolCandidates(
      tx,
      a,
      sql`SELECT user_id, 'h:' || id AS trigger_key FROM crm_segment_membership_history
          WHERE segment_id = ${segmentId}::uuid AND id > ${cursor} AND id <= ${last} AND change = ${change}`,
      { now, enrolledBy: `segment ${change}` },
    );
    await tx.execute(sql`UPDATE crm_automations SET enrol_history_id = ${last} WHERE id = ${a.id}::uuid`);
    return users.length;
  });
}

const triggerSegment = (d: TAutomationDefinition) =>
  d.trigger.kind === "segment_entered" || d.trigger.kind === "segment_left" ? d.trigger.segmentId : null;

/**
 * Every trigger but the manual one, for every live automation: segment
 * entries and exits from the membership history; the main app's rows
 * (sign-ups, events, cancellations, failed payments, days after sign-up)
 * since the automation's cursor (looked at again for SOURCE_OVERLAP_MS,
 * deduplicated by their id); thresholds.
 */
export async function enrolFromSources({ ctx }: TServiceArgs<void>): Promise<{ automationId: string; enrolled: number }[]> {
  const { db } = ctx;
  const now = ctx.clock();
  const S = srcSchema();
  const out: { automationId: string; enrolled: number }[] = [];
  for (const a of await liveDefinitions(db)) {
    if (a.status !== "live") continue;
    const t = a.definition.trigger;
    if (t.kind === "segment_entered" || t.kind === "segment_left") {
      const enrolled = await enrolFromSegmentHistory(db, a, now);
      if (enrolled) out.push({ automationId: a.id, enrolled });
      continue;
    }
    const since = new Date((a.enrolCursor ?? now).getTime() - SOURCE_OVERLAP_MS);
    let candidates: ReturnType<typeof sql> | null = null;
    if (t.kind === "source_event") {
      candidates =
        t.source === "signed_up"
          ? sql`SELECT id AS user_id, 'u:' || id AS trigger_key FROM ${S}.users WHERE created_at > ${iso(since)} AND created_at <= ${iso(now)}`
          : t.source === "event"
            ? sql`SELECT user_id, 'e:' || id AS trigger_key FROM ${S}.events
                  WHERE name = ${t.eventName ?? ""} AND occurred_at > ${iso(since)} AND occurred_at <= ${iso(now)}`
            : t.source === "subscription_canceled"
              ? sql`SELECT user_id, 's:' || id AS trigger_key FROM ${S}.subscriptions
                    WHERE canceled_at > ${iso(since)} AND canceled_at <= ${iso(now)}`
              : sql`SELECT user_id, 'p:' || id AS trigger_key FROM ${S}.payments
                    WHERE status = 'failed' AND paid_at > ${iso(since)} AND paid_at <= ${iso(now)}`;
    } else if (t.kind === "days_after_signup") {
      const shift = t.days * 86_400_000;
      candidates = sql`SELECT id AS user_id, 'd' || ${t.days} || ':' || id AS trigger_key FROM ${S}.users
        WHERE created_at > ${iso(new Date(since.getTime() - shift))} AND created_at <= ${iso(new Date(now.getTime() - shift))}`;
    } else if (t.kind === "days_before_renewal") {
      // The next renewal after (since + N days): a month or a year on from the start, counted whole periods by age();
      // it is due when renewal − N days has passed. Each renewal once: the subscription and the renewal's date are the cause.
      const from = iso(new Date(since.getTime() + t.days * 86_400_000));
      candidates = sql`SELECT user_id, 'r' || ${t.days} || ':' || id || ':' || renews_at::date AS trigger_key FROM (
          SELECT s.id, s.user_id,
            CASE WHEN s.interval = 'year'
              THEN s.started_at + make_interval(years => extract(year FROM age(${from}, s.started_at))::int + 1)
              ELSE s.started_at + make_interval(months => (extract(year FROM age(${from}, s.started_at)) * 12
                                                           + extract(month FROM age(${from}, s.started_at)))::int + 1)
            END AS renews_at
          FROM ${S}.subscriptions s
          WHERE s.status IN ('active', 'trialing') AND s.canceled_at IS NULL AND s.started_at < ${from}) r
        WHERE renews_at - make_interval(days => ${t.days}) <= ${iso(now)}`;
    } else if (t.kind === "criteria") {
      if (a.enrolCursor && now.getTime() - a.enrolCursor.getTime() < CRITERIA_TRIGGER_EVERY_MS) continue;
      const segments = await loadReferencedCriteria(db, t.criteria);
      const { tokensUntilId, userDayIndex } = await readRollupState(db);
      const compiled = compileCriteria(t.criteria, { now, segments, tokensUntilId, userDayIndex });
      candidates = sql`SELECT u.id AS user_id, NULL::text AS trigger_key FROM ${criteriaFrom(compiled)} WHERE ${compiled.where}`;
    }
    if (!candidates) continue;
    const users = await db.transaction(async (tx) => {
      const enrolled = await enrolCandidates(tx, a, candidates, { now, enrolledBy: t.kind === "criteria" ? "criteria" : t.kind });
      await tx.execute(sql`UPDATE crm_automations SET enrol_cursor = ${iso(now)} WHERE id = ${a.id}::uuid`);
      return enrolled;
    });
    if (users.length) out.push({ automationId: a.id, enrolled: users.length });
  }
  return out;
}
