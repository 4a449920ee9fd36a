import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import { compileCriteria, criteriaFrom } from "@/server/services/segments/criteria/compile";
import type { TServiceArgs } from "../context";
import { loadReferencedCriteria } from "../segments/load-referenced-criteria";
import { liveDefinitions } from "./versions";

/** A goal (criteria over the open runs' users) is checked at most this often; exits every tick. */
export const GOAL_CHECK_EVERY_MS = 5 * 60_000;

/*
 * Before runs advance: goals are marked on the runs whose users now meet
 * them (within the goal's window from entering; control runs too, for the
 * lift), and runs end early on their automation's exit conditions: the goal
 * reached, the segment left, the address suppressed. Set-based, per
 * automation. Test runs are left alone. A goal is checked at most every
 * GOAL_CHECK_EVERY_MS (claimed with one conditional update, so two ticks
 * never both run it), so a goal's time is the check that saw it.
 */
export async function checkGoalsAndExits({ ctx }: TServiceArgs<void>) {
  const now = ctx.clock();
  const at = sql`${now.toISOString()}::timestamptz`;
  const S = srcSchema();
  let goals = 0;
  let exits = 0;
  const end = (reason: string, status: "completed" | "exited") =>
    sql`status = ${status}, exit_reason = ${reason}, ended_at = ${at}, current_step = NULL, due_at = NULL, waiting = false, held_reason = NULL`;
  for (const a of await liveDefinitions(ctx.db)) {
    const d = a.definition;
    const mine = sql`r.automation_id = ${a.id}::uuid AND NOT r.is_test`;
    // The goal's turn, claimed: due when not checked in the last GOAL_CHECK_EVERY_MS.
    const goalDue = async () =>
      (await count(
        ctx.db,
        sql`UPDATE crm_automations SET goals_checked_at = ${at}
            WHERE id = ${a.id}::uuid AND (goals_checked_at IS NULL OR goals_checked_at <= ${at} - make_interval(secs => ${GOAL_CHECK_EVERY_MS / 1000}))
            RETURNING 1`,
      )) > 0;
    if (d.goal && (await goalDue())) {
      const segments = await loadReferencedCriteria(ctx.db, d.goal.criteria);
      const compiled = compileCriteria(d.goal.criteria, { now, segments });
      const open = sql`${mine} AND r.goal_reached_at IS NULL AND r.entered_at > ${at} - make_interval(days => ${d.goal.withinDays})`;
      const reached = await executeRows<{ n: string | number }>(
        ctx.db,
        sql`WITH hit AS (
              UPDATE crm_automation_runs r SET goal_reached_at = ${at}
              WHERE ${open} AND r.user_id IN (
                SELECT u.id FROM ${criteriaFrom(compiled)}
                WHERE u.id IN (SELECT r.user_id FROM crm_automation_runs r WHERE ${open}) AND ${compiled.where})
              RETURNING 1)
            SELECT count(*) AS n FROM hit`,
      );
      goals += Number(reached[0]?.n ?? 0);
      if (d.exitWhen.goalReached)
        exits += await count(
          ctx.db,
          sql`UPDATE crm_automation_runs r SET ${end("Reached the goal", "completed")}
              WHERE ${mine} AND r.status = 'active' AND r.goal_reached_at IS NOT NULL RETURNING 1`,
        );
    }
    if (d.exitWhen.leftSegment && d.trigger.kind === "segment_entered")
      exits += await count(
        ctx.db,
        sql`UPDATE crm_automation_runs r SET ${end("Left the segment", "exited")}
            WHERE ${mine} AND r.status = 'active' AND NOT EXISTS (
              SELECT 1 FROM crm_segment_members m WHERE m.segment_id = ${d.trigger.segmentId}::uuid AND m.user_id = r.user_id)
            RETURNING 1`,
      );
    if (d.exitWhen.unsubscribed)
      exits += await count(
        ctx.db,
        sql`UPDATE crm_automation_runs r SET ${end("Unsubscribed", "exited")}
            WHERE ${mine} AND r.status = 'active' AND EXISTS (
              SELECT 1 FROM ${S}.users u JOIN crm_suppressions s ON s.email = lower(u.email) WHERE u.id = r.user_id)
            RETURNING 1`,
      );
  }
  return { goals, exits };
}

async function count(db: Parameters<typeof executeRows>[0], statement: ReturnType<typeof sql>) {
  const [row] = await executeRows<{ n: string | number }>(db, sql`WITH x AS (${statement}) SELECT count(*) AS n FROM x`);
  return Number(row?.n ?? 0);
}
