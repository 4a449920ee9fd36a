import { type SQL, sql } from "drizzle-orm";
import { latestSubscriptions, srcSchema } from "@/server/db/source";
import type { CMP_OPS, TCondition, TCriteria, TNode } from "@/shared/criteria/schema";
import { escapeLike, normalizeTag } from "@/shared/text";

/**
 * Compiles criteria (already validated with ZCriteria) into one SQL boolean
 * over the main app's users (alias `u`), the latest subscription (`sub`) and
 * CRM metadata (`m`). Every value is a bound parameter: no text from the
 * criteria is ever spliced into the SQL. Each condition is coalesced to
 * true/false, so `not` groups never meet SQL's unknown.
 *
 * Counts and sums (events, AI usage, spend) are set-based: one grouped scan
 * per condition through the (name|user, time) indexes, then a semi-join or an
 * anti-join, rather than one correlated subquery per user.
 *
 * Set conditions (aggregates, engagement, suppression) are EXISTS / NOT
 * EXISTS, never `IN (SELECT …)`: they are never unknown, so they are not
 * wrapped in coalesce, and at the top level of the criteria the planner turns
 * them into hash semi- and anti-joins that spill to disk when large. An
 * `IN (SELECT …)` inside coalesce stays a subplan, and once its set outgrows
 * work_mem (a campaign sent to 1M users) Postgres rescans it for every user.
 */

export type TCmp = (typeof CMP_OPS)[number];
export type TCompileContext = {
  /** "Now" for relative windows: fixed per evaluation so the SQL and the reference evaluator agree. */
  now: Date;
  /** Criteria of the segments referenced by `segment` conditions (loadReferencedCriteria). */
  segments: Map<string, TCriteria>;
  /**
   * The AI usage rollups' watermark (token_usage ids), read before compiling: AI usage is then summed from the
   * per-user-day rollups and lifetime totals plus the raw rows after the watermark. Only a hint for the planner:
   * the statement reads the watermark it runs at itself. Without it, AI usage is summed from the raw rows.
   */
  tokensUntilId?: number;
  /**
   * The by-user index of AI usage per user-day exists (readRollupState; a big catch-up drops it until done): the
   * days of the users who may pass an AI cost condition are then read by it, a few index entries each.
   */
  userDayIndex?: boolean;
};
export type TCompiled = { where: SQL; needsSubscription: boolean; needsMetadata: boolean };
/** A condition that is never unknown (EXISTS / NOT EXISTS): left unwrapped so the planner can make it a join. */
type TDefinite = { definite: SQL };
const definite = (where: SQL): TDefinite => ({ definite: where });

const DAY_MS = 86_400_000;
const list = (values: readonly (string | number)[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const dayStart = (day: string, plusDays = 0) => new Date(Date.parse(`${day}T00:00:00Z`) + plusDays * DAY_MS);

export function cmpJs(a: number, op: TCmp, b: number): boolean {
  switch (op) {
    case "gt":
      return a > b;
    case "gte":
      return a >= b;
    case "lt":
      return a < b;
    case "lte":
      return a <= b;
    case "eq":
      return a === b;
    case "neq":
      return a !== b;
  }
}
const CMP_SQL: Record<TCmp, string> = { gt: ">", gte: ">=", lt: "<", lte: "<=", eq: "=", neq: "<>" };

/** users whose aggregate over `rows` compares true; users with no rows count as 0. */
function aggregate(rows: { table: SQL; where: SQL[]; agg: SQL }, op: TCmp, value: number): TDefinite {
  const having = sql`${rows.agg} ${sql.raw(CMP_SQL[op])} ${String(value)}::numeric`;
  const where = rows.where.length ? sql`WHERE ${sql.join(rows.where, sql` AND `)}` : sql``;
  // Users without rows have 0: if 0 satisfies the comparison, select everyone except those whose rows fail it.
  if (cmpJs(0, op, value))
    return definite(
      sql`NOT EXISTS (SELECT 1 FROM (SELECT user_id FROM ${rows.table} ${where} GROUP BY user_id HAVING NOT (${having})) fails WHERE fails.user_id = u.id)`,
    );
  return definite(
    sql`EXISTS (SELECT 1 FROM (SELECT user_id FROM ${rows.table} ${where} GROUP BY user_id HAVING ${having}) passes WHERE passes.user_id = u.id)`,
  );
}

/**
 * Rows (user_id, v) whose sum per user is the user's AI usage since `from` (all time when null), in tokens or
 * micro-dollars (whole numbers: cost_usd has six decimals). With the rollups' watermark: whole 7-day blocks
 * from the per-user-week rollup, the remaining whole UTC days from the per-user-day rollup (both read from an
 * index alone), lifetime totals from crm_user_stats, the raw rows before the watermark on the shorter side of
 * `from` in its UTC day (added after it, or subtracted before it from the whole day), and the raw rows after the
 * watermark. The statement reads the watermark it runs at (`wm`), so a
 * refresh that commits after `hint` was read is neither missed nor counted twice; `id > hint` only narrows the
 * planner's index range. A model filter reads the raw rows (the rollups are not per model).
 */
function aiUsage(
  metric: "tokens" | "cost",
  from: Date | null,
  model: string | undefined,
  hint: number | undefined,
  /**
   * The condition holds only for users whose usage since `from` is at least `atLeastMicros` micro-dollars (a
   * cost above a positive amount, `now` the evaluation's): only the users who may reach it are summed
   * (`costCandidates`, their days by the by-user index when `byUserIndex`), not every user with usage in the range.
   */
  bound?: { atLeastMicros: number; now: Date; byUserIndex: boolean },
): SQL {
  const S = srcSchema();
  const raw = metric === "tokens" ? sql`input_tokens + output_tokens` : sql`round(cost_usd * 1000000)::bigint`;
  const rolled = sql.raw(metric === "tokens" ? "tokens" : "cost_micros");
  const wm = sql`(SELECT coalesce(max(tokens_until_id), 0) FROM crm_rollup_state WHERE id = 'main')`;
  // The raw rows after the watermark (since `from`), and the users who have them.
  const afterWatermark = sql`FROM ${S}.token_usage WHERE id > ${hint} AND id > ${wm}${from ? sql` AND created_at >= ${ts(from)}` : sql``}`;
  const tail = sql`SELECT user_id, ${raw} AS v ${afterWatermark}`;
  // Usage since `from` is at most the lifetime total plus the rows after the watermark (costs are never negative).
  const lifetimeCandidates = (atLeast: number) =>
    sql`SELECT user_id FROM crm_user_stats WHERE ai_cost_micros >= ${atLeast}::bigint UNION SELECT user_id ${afterWatermark}`;
  if (hint === undefined || model !== undefined) {
    const where: SQL[] = [];
    if (model !== undefined) where.push(sql`model = ${model}`);
    if (from) where.push(sql`created_at >= ${ts(from)}`);
    // A model's cost is part of the user's whole cost: with the rollups, only the users whose lifetime cost reaches the
    // amount, or with rows after the watermark, can pass (at 1M, gpt-4o over $2 of all time: 10,393 users' 3.7M rows
    // read by the user index instead of all 17.4M).
    if (hint !== undefined && bound && metric === "cost") where.push(sql`user_id IN (${lifetimeCandidates(bound.atLeastMicros)})`);
    return sql`SELECT user_id, ${raw} AS v FROM ${S}.token_usage${where.length ? sql` WHERE ${sql.join(where, sql` AND `)}` : sql``}`;
  }
  if (!from) {
    const total = sql.raw(metric === "tokens" ? "ai_tokens" : "ai_cost_micros");
    return sql`SELECT user_id, ${total} AS v FROM crm_user_stats WHERE ${total} <> 0 UNION ALL ${tail}`;
  }
  // The UTC day `from` falls in is read from raw rows on its shorter side: the part from `from` to midnight added,
  // or the whole day taken from the rollup and the part before `from` subtracted.
  const fromDay = Math.floor(from.getTime() / DAY_MS);
  const into = from.getTime() - fromDay * DAY_MS;
  const subtract = into > 0 && into < DAY_MS / 2;
  const firstDay = into === 0 || subtract ? fromDay : fromDay + 1;
  const firstWeek = Math.ceil(firstDay / 7);
  const midnight = (d: number) => ts(new Date(d * DAY_MS));
  const partial = subtract
    ? sql` UNION ALL SELECT user_id, -(${raw}) FROM ${S}.token_usage
           WHERE created_at >= ${midnight(fromDay)} AND created_at < ${ts(from)} AND id <= ${wm}`
    : into > 0
      ? sql` UNION ALL SELECT user_id, ${raw} FROM ${S}.token_usage
             WHERE created_at >= ${ts(from)} AND created_at < ${midnight(fromDay + 1)} AND id <= ${wm}`
      : sql``;
  const candidates = bound?.byUserIndex && metric === "cost" ? costCandidates(from, bound.now, bound.atLeastMicros) : null;
  if (candidates) {
    // Each candidate's whole days summed by the by-user index, and its raw rows of the first day's shorter side by
    // (user, time) (a lookup per candidate: as a join, the planner, which cannot estimate how many pass the bound,
    // would hash every user's days of the range instead; and everyone's rows of that part of a day lie on as many
    // pages as there are rows when the main app's rows are not in time order: 44,408 pages at 1M users here).
    // A user who is not a candidate cannot reach the amount, so is left out.
    const firstDayPart = subtract
      ? sql`SELECT -coalesce(sum(${raw}), 0) AS v FROM ${S}.token_usage
            WHERE user_id = c.user_id AND created_at >= ${midnight(fromDay)} AND created_at < ${ts(from)} AND id <= ${wm}`
      : into > 0
        ? sql`SELECT coalesce(sum(${raw}), 0) AS v FROM ${S}.token_usage
              WHERE user_id = c.user_id AND created_at >= ${ts(from)} AND created_at < ${midnight(fromDay + 1)} AND id <= ${wm}`
        : sql`SELECT 0 AS v`;
    return sql`SELECT c.user_id, d.v + p.v AS v FROM (${candidates} UNION SELECT user_id ${afterWatermark}) c CROSS JOIN LATERAL (
        SELECT coalesce(sum(${rolled}), 0) AS v FROM crm_rollup_user_day_tokens WHERE user_id = c.user_id AND day >= ${firstDay}::int) d
      CROSS JOIN LATERAL (${firstDayPart}) p
      UNION ALL ${tail}`;
  }
  const rows = sql`SELECT user_id, ${rolled} AS v FROM crm_rollup_user_week_tokens WHERE week >= ${firstWeek}::int
    UNION ALL SELECT user_id, ${rolled} FROM crm_rollup_user_day_tokens WHERE day >= ${firstDay}::int AND day < ${firstWeek * 7}::int${partial}
    UNION ALL ${tail}`;
  if (!bound || metric !== "cost") return rows;
  return sql`SELECT user_id, v FROM (${rows}) r WHERE r.user_id IN (${lifetimeCandidates(bound.atLeastMicros)})`;
}

/** Past this many weeks in a range, the week lists grow with the weeks and the lifetime bound is used instead. */
const PRUNE_MAX_WEEKS = 8;

/**
 * The users whose AI cost from `from` to the watermark may reach `atLeast` micro-dollars, from the per-user-week
 * rollup's most expensive entries (threshold algorithm), or null past PRUNE_MAX_WEEKS weeks. The rows since `from`
 * lie in weeks w0 (the week of `from`, counted whole) to wNow (the week of `now`) or later (clock skew): k weeks.
 * Each week's entries costing at least `cut` (⌈2·atLeast ÷ 3k⌉) are read, by the (week, cost desc) index. A user
 * absent from every list spent less than `cut` each week, at most k·(cut − 1) < ⅔·atLeast in all; a user present
 * in some spent at most their listed costs plus cut − 1 for each other week, and is a candidate only if that
 * reaches `atLeast`. Users with entries after wNow are candidates; so are users with rows after the watermark.
 * The cut trades the lists' length for candidates: at 1M users (30 days, $0.50, k = 6), ⌈atLeast ÷ 2k⌉ read 315k
 * entries for 12,756 candidates (~220 ms to group them), ⌈2·atLeast ÷ 3k⌉ 204k for 15,240 (~140 ms), and
 * ⌈atLeast ÷ k⌉ (no pruning left) 50,625 candidates, each a lookup.
 */
function costCandidates(from: Date, now: Date, atLeast: number): SQL | null {
  const w0 = Math.floor(Math.floor(from.getTime() / DAY_MS) / 7);
  const wNow = Math.floor(Math.floor(now.getTime() / DAY_MS) / 7);
  const k = wNow - w0 + 1;
  if (k < 1 || k > PRUNE_MAX_WEEKS) return null;
  const cut = Math.max(1, Math.ceil((2 * atLeast) / (3 * k)));
  const weeks = list(Array.from({ length: k }, (_, i) => w0 + i));
  return sql`SELECT user_id FROM crm_rollup_user_week_tokens WHERE week IN (${weeks}) AND cost_micros >= ${cut}::bigint
      GROUP BY user_id HAVING sum(cost_micros) + (${k}::int - count(*)) * ${cut - 1}::bigint >= ${atLeast}::bigint
    UNION SELECT user_id FROM crm_rollup_user_week_tokens WHERE week > ${wNow}::int`;
}

type TDateCondition = Extract<TCondition, { op: "before" | "on_or_after" | "between" | "within_last" | "not_within_last" }>;

function dateCondition(col: SQL, c: TDateCondition, now: Date, nullMatchesNotWithin: boolean): SQL {
  switch (c.op) {
    case "before":
      return sql`${col} < ${ts(dayStart(c.date))}`;
    case "on_or_after":
      return sql`${col} >= ${ts(dayStart(c.date))}`;
    case "between":
      return sql`(${col} >= ${ts(dayStart(c.from))} AND ${col} < ${ts(dayStart(c.to, 1))})`;
    case "within_last":
      return sql`${col} >= ${ts(new Date(now.getTime() - c.days * DAY_MS))}`;
    case "not_within_last": {
      const since = ts(new Date(now.getTime() - c.days * DAY_MS));
      return nullMatchesNotWithin ? sql`(${col} IS NULL OR ${col} < ${since})` : sql`${col} < ${since}`;
    }
  }
}

export function compileCriteria(criteria: TCriteria, ctx: TCompileContext): TCompiled {
  const S = srcSchema();
  const flags = { needsSubscription: false, needsMetadata: false };
  const since = (days: number | undefined) => (days === undefined ? null : new Date(ctx.now.getTime() - days * DAY_MS));

  const condition = (c: TCondition, seen: string[]): SQL | TDefinite => {
    switch (c.field) {
      case "email": {
        if (c.op === "equals") return sql`lower(u.email) = lower(${c.value})`;
        const pattern = c.op === "contains" ? `%${escapeLike(c.value)}%` : `%${escapeLike(c.value)}`;
        return sql`u.email ILIKE ${pattern}`;
      }
      case "name":
        if (c.op === "is_empty") return sql`(u.name IS NULL OR btrim(u.name) = '')`;
        if (c.op === "equals") return sql`lower(u.name) = lower(${c.value})`;
        return sql`u.name ILIKE ${`%${escapeLike(c.value)}%`}`;
      case "signed_up":
        return dateCondition(sql`u.created_at`, c, ctx.now, false);
      case "last_active":
        if (c.op === "never") return sql`u.last_active_at IS NULL`;
        return dateCondition(sql`u.last_active_at`, c, ctx.now, true);
      case "plan":
        flags.needsSubscription = true;
        return c.op === "in"
          ? sql`coalesce(sub.plan, 'free') IN (${list(c.values)})`
          : sql`coalesce(sub.plan, 'free') NOT IN (${list(c.values)})`;
      case "subscription_status":
        flags.needsSubscription = true;
        return c.op === "in"
          ? sql`coalesce(sub.status, 'none') IN (${list(c.values)})`
          : sql`coalesce(sub.status, 'none') NOT IN (${list(c.values)})`;
      case "subscription_started":
        flags.needsSubscription = true;
        return dateCondition(sql`sub.started_at`, c, ctx.now, false);
      case "subscription_canceled":
        flags.needsSubscription = true;
        return dateCondition(sql`sub.canceled_at`, c, ctx.now, false);
      case "total_spent":
      case "spent_last_days": {
        const from = c.field === "spent_last_days" ? since(c.days) : null;
        return aggregate(
          {
            table: sql`${S}.payments`,
            where: [sql`status = 'succeeded'`, ...(from ? [sql`paid_at >= ${ts(from)}`] : [])],
            agg: sql`sum(amount)`,
          },
          c.op,
          c.value,
        );
      }
      case "event": {
        const where = [sql`name = ${c.name}`];
        if (c.property) where.push(sql`properties -> ${c.property.key}::text = ${JSON.stringify(c.property.value)}::jsonb`);
        const from = since(c.days);
        if (from) where.push(sql`occurred_at >= ${ts(from)}`);
        const [op, value]: [TCmp, number] = c.op === "has" ? ["gte", 1] : c.op === "has_not" ? ["eq", 0] : [c.op, c.value ?? 0];
        return aggregate({ table: sql`${S}.events`, where, agg: sql`count(*)` }, op, value);
      }
      case "ai_usage": {
        // A cost that must reach a positive amount: only the users who may reach it are summed (aiUsage).
        const bound =
          c.metric === "cost" && ["gt", "gte", "eq"].includes(c.op) && c.value > 0
            ? { atLeastMicros: Math.floor(c.value * 1_000_000), now: ctx.now, byUserIndex: ctx.userDayIndex ?? false }
            : undefined;
        const table = sql`(${aiUsage(c.metric, since(c.days), c.model, ctx.tokensUntilId, bound)}) usage`;
        return aggregate({ table, where: [], agg: c.metric === "tokens" ? sql`sum(v)` : sql`sum(v) / 1000000.0` }, c.op, c.value);
      }
      case "margin": {
        // Revenue minus AI cost per user: one grouped scan over both, users with neither at 0.
        const from = since(c.days);
        const paid = from ? sql`AND paid_at >= ${ts(from)}` : sql``;
        const table = sql`(SELECT user_id, amount * 1000000 AS v FROM ${S}.payments WHERE status = 'succeeded' ${paid}
          UNION ALL SELECT user_id, -v FROM (${aiUsage("cost", from, undefined, ctx.tokensUntilId)}) cost) margin`;
        return aggregate({ table, where: [], agg: sql`sum(v) / 1000000.0` }, c.op, c.value);
      }
      case "tag": {
        flags.needsMetadata = true;
        const tags = sql`ARRAY[${list([...new Set(c.values.map(normalizeTag))])}]::text[]`;
        if (c.op === "has_all") return sql`m.tags @> ${tags}`;
        if (c.op === "has_any") return sql`m.tags && ${tags}`;
        return sql`NOT coalesce(m.tags && ${tags}, false)`;
      }
      case "priority":
        flags.needsMetadata = true;
        if (c.op === "is_empty") return sql`m.priority IS NULL`;
        if (c.op === "in") return sql`m.priority IN (${list(c.values)})`;
        return sql`(m.priority IS NULL OR m.priority NOT IN (${list(c.values)}))`;
      case "engagement": {
        // Per recipient row: whether and when the action happened. A click implies an open, as in the funnel. Written
        // column by column (not as one CASE or least() tested for NULL), so the planner estimates how many rows pass
        // from each column's statistics: as one opaque expression it guessed 2k of 590k rows at 1M users and looked
        // each user up by key instead of hashing them.
        const received = sql`t.sent_at IS NOT NULL AND t.bounced_at IS NULL AND t.provider_failed_at IS NULL`;
        const happened = {
          received,
          opened: sql`(t.first_opened_at IS NOT NULL OR t.first_clicked_at IS NOT NULL)`,
          clicked: sql`t.first_clicked_at IS NOT NULL`,
        };
        const at = {
          received: sql`t.sent_at`,
          opened: sql`least(t.first_opened_at, t.first_clicked_at)`,
          clicked: sql`t.first_clicked_at`,
        };
        const from = since(c.days);
        const where = [c.campaignId ? sql`t.campaign_id = ${c.campaignId}::uuid` : sql`true`];
        if (c.op === "received_not") {
          const notDone =
            c.action === "clicked" ? sql`t.first_clicked_at IS NULL` : sql`t.first_opened_at IS NULL AND t.first_clicked_at IS NULL`;
          where.push(received, notDone);
          if (from) where.push(sql`t.sent_at >= ${ts(from)}`);
        } else {
          where.push(happened[c.action]);
          if (from) where.push(sql`${at[c.action]} >= ${ts(from)}`);
        }
        const rows = sql`SELECT 1 FROM crm_campaign_tracking t WHERE t.user_id = u.id AND ${sql.join(where, sql` AND `)}`;
        return definite(c.op === "did_not" ? sql`NOT EXISTS (${rows})` : sql`EXISTS (${rows})`);
      }
      case "suppressed": {
        const reasons = c.reasons ? sql` AND s.reason IN (${list(c.reasons)})` : sql``;
        const rows = sql`SELECT 1 FROM crm_suppressions s WHERE s.email = lower(u.email)${reasons}`;
        return definite(c.op === "is" ? sql`EXISTS (${rows})` : sql`NOT EXISTS (${rows})`);
      }
      case "segment": {
        if (seen.includes(c.segmentId)) throw new Error(`Segment ${c.segmentId} refers to itself`); // loadReferencedCriteria rejects cycles first
        const inner = ctx.segments.get(c.segmentId);
        if (!inner) throw new Error(`Segment ${c.segmentId} was not loaded`);
        const compiled = node(inner, [...seen, c.segmentId]);
        return definite(c.op === "member" ? compiled : sql`(NOT ${compiled})`);
      }
    }
  };

  const node = (n: TNode, seen: string[]): SQL => {
    if (n.type === "condition") {
      const where = condition(n, seen);
      return "definite" in where ? where.definite : sql`coalesce((${where}), false)`;
    }
    const parts = n.conditions.map((child) => node(child, seen));
    if (n.match === "all") return sql`(${sql.join(parts, sql` AND `)})`;
    const any = sql`(${sql.join(parts, sql` OR `)})`;
    return n.match === "any" ? any : sql`(NOT ${any})`;
  };

  const where = node(criteria, []);
  return { where, ...flags };
}

/** The FROM clause compiled criteria need, over the main app's users as `u`. */
export function criteriaFrom(compiled: TCompiled): SQL {
  const S = srcSchema();
  return sql`${S}.users u${
    compiled.needsSubscription
      ? sql` LEFT JOIN (${latestSubscriptions(sql`s.user_id, s.plan, s.status, s.started_at, s.canceled_at`)}) sub ON sub.user_id = u.id`
      : sql``
  }${compiled.needsMetadata ? sql` LEFT JOIN crm_user_metadata m ON m.user_id = u.id` : sql``}`;
}

/** SELECT u.id of every matching user. */
export function membersQuery(criteria: TCriteria, ctx: TCompileContext): SQL {
  const compiled = compileCriteria(criteria, ctx);
  return sql`SELECT u.id FROM ${criteriaFrom(compiled)} WHERE ${compiled.where}`;
}
