import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import {
  findStep,
  flattenSteps,
  type TAutomationDefinition,
  type TRunStatus,
  type TStepOutcome,
  type TStepType,
  ZAutomationDefinition,
} from "@/shared/schemas/automations";
import type { TServiceArgs } from "../context";
import { NotFoundError } from "../errors";
import { versionCache } from "./versions";

/*
 * What an automation did (docs/automations.md): per step, how many runs
 * completed it and with what outcome, how many wait on it now, and for sends
 * how many were opened and clicked; the goal's conversion in the treated and
 * the control group, and the lift between them. Test runs never count.
 */

export type TStepCounts = {
  stepId: string;
  completed: number;
  waiting: number;
  outcomes: Partial<Record<TStepOutcome, number>>;
  opened: number;
  clicked: number;
};

const pct = (n: number, d: number) => (d ? Math.round((n / d) * 1000) / 10 : null);

export async function automationReport({ ctx, input }: TServiceArgs<{ id: string }>) {
  const [a] = await executeRows<{ id: string; draft: unknown; live: unknown }>(
    ctx.db,
    sql`SELECT a.id, a.draft, v.definition AS live FROM crm_automations a
        LEFT JOIN crm_automation_versions v ON v.automation_id = a.id AND v.version = a.live_version WHERE a.id = ${input.id}::uuid`,
  );
  if (!a) throw new NotFoundError("That automation does not exist (it may have been deleted)");
  const [summary, stepRows, waitingRows, engagementRows] = await Promise.all([
    executeRows<Record<string, string | number>>(
      ctx.db,
      sql`SELECT count(*) AS entered,
            count(*) FILTER (WHERE status = 'active') AS active,
            count(*) FILTER (WHERE status = 'completed') AS completed,
            count(*) FILTER (WHERE status = 'exited') AS exited,
            count(*) FILTER (WHERE status = 'failed') AS failed,
            count(*) FILTER (WHERE held_reason IS NOT NULL AND status = 'active') AS held,
            count(*) FILTER (WHERE NOT is_control) AS treated,
            count(*) FILTER (WHERE NOT is_control AND goal_reached_at IS NOT NULL) AS treated_goal,
            count(*) FILTER (WHERE is_control) AS control,
            count(*) FILTER (WHERE is_control AND goal_reached_at IS NOT NULL) AS control_goal
          FROM crm_automation_runs WHERE automation_id = ${input.id}::uuid AND NOT is_test`,
    ),
    executeRows<{ step_id: string; outcome: TStepOutcome; n: string | number }>(
      ctx.db,
      sql`SELECT s.step_id, s.outcome, count(*) AS n FROM crm_automation_run_steps s JOIN crm_automation_runs r ON r.id = s.run_id
          WHERE r.automation_id = ${input.id}::uuid AND NOT r.is_test GROUP BY s.step_id, s.outcome`,
    ),
    executeRows<{ step_id: string; n: string | number }>(
      ctx.db,
      sql`SELECT current_step AS step_id, count(*) AS n FROM crm_automation_runs
          WHERE automation_id = ${input.id}::uuid AND status = 'active' AND NOT is_test GROUP BY current_step`,
    ),
    executeRows<{ step_id: string; opened: string | number; clicked: string | number }>(
      ctx.db,
      sql`SELECT s.step_id, count(m.opened_at) + count(*) FILTER (WHERE m.opened_at IS NULL AND (m.read_at IS NOT NULL OR m.clicked_at IS NOT NULL)) AS opened,
            count(m.clicked_at) AS clicked
          FROM crm_automation_run_steps s JOIN crm_automation_runs r ON r.id = s.run_id JOIN crm_messages m ON m.id = s.message_id
          WHERE r.automation_id = ${input.id}::uuid AND NOT r.is_test GROUP BY s.step_id`,
    ),
  ]);
  const n = (k: string) => Number(summary[0]?.[k] ?? 0);
  const steps = new Map<string, TStepCounts>();
  const of = (stepId: string) => {
    let s = steps.get(stepId);
    if (!s) {
      s = { stepId, completed: 0, waiting: 0, outcomes: {}, opened: 0, clicked: 0 };
      steps.set(stepId, s);
    }
    return s;
  };
  for (const r of stepRows) {
    const s = of(r.step_id);
    s.completed += Number(r.n);
    s.outcomes[r.outcome] = Number(r.n);
  }
  for (const r of waitingRows) if (r.step_id) of(r.step_id).waiting = Number(r.n);
  for (const r of engagementRows) {
    const s = of(r.step_id);
    s.opened = Number(r.opened);
    s.clicked = Number(r.clicked);
  }
  const definition = (ZAutomationDefinition.safeParse(a.live).data ??
    ZAutomationDefinition.safeParse(a.draft).data ??
    null) as TAutomationDefinition | null;
  const treated = { entered: n("treated"), reached: n("treated_goal"), rate: pct(n("treated_goal"), n("treated")) };
  const control = { entered: n("control"), reached: n("control_goal"), rate: pct(n("control_goal"), n("control")) };
  return {
    entered: n("entered"),
    active: n("active"),
    completed: n("completed"),
    exited: n("exited"),
    failed: n("failed"),
    held: n("held"),
    goal: definition?.goal
      ? {
          withinDays: definition.goal.withinDays,
          treated,
          control,
          // Percentage points: treated rate − control rate, only when both groups have people.
          lift:
            treated.rate !== null && control.rate !== null && definition.controlPercent > 0
              ? Math.round((treated.rate - control.rate) * 10) / 10
              : null,
        }
      : null,
    steps: definition ? flattenSteps(definition.steps).map(({ step }) => of(step.id)) : [...steps.values()],
  };
}

export type TRunRow = {
  id: string;
  automationId: string;
  automationName: string;
  userId: string;
  email: string | null;
  name: string | null;
  status: TRunStatus;
  isControl: boolean;
  isTest: boolean;
  currentStep: string | null;
  waiting: boolean;
  dueAt: Date | null;
  heldReason: string | null;
  enteredAt: Date;
  endedAt: Date | null;
  exitReason: string | null;
  goalReachedAt: Date | null;
  lastError: string | null;
  version: number;
  sent: number;
  /** The kind of step the run is at (its label is the UI's). */
  currentStepType: TStepType | null;
};

/** Runs of one automation (latest first), or one user's runs across automations (their profile). */
export async function listRuns({
  ctx,
  input,
}: TServiceArgs<{ automationId?: string; userId?: string; runId?: string; tests?: boolean; limit?: number }>) {
  const S = srcSchema();
  const where = [
    input.automationId ? sql`r.automation_id = ${input.automationId}::uuid` : null,
    input.userId ? sql`r.user_id = ${input.userId}::uuid` : null,
    input.runId ? sql`r.id = ${input.runId}::uuid` : null,
    input.runId ? null : input.tests ? sql`r.is_test` : sql`NOT r.is_test`,
  ].filter((x) => x !== null);
  const rows = await executeRows<Record<string, unknown>>(
    ctx.db,
    sql`SELECT r.id, r.automation_id, a.name AS automation_name, r.user_id, u.email, u.name, r.status, r.is_control, r.is_test, r.current_step,
          r.waiting, r.due_at, r.held_reason, r.entered_at, r.ended_at, r.exit_reason, r.goal_reached_at, r.last_error, r.version,
          (SELECT count(*) FROM crm_automation_run_steps s WHERE s.run_id = r.id AND s.outcome = 'sent') AS sent
        FROM crm_automation_runs r JOIN crm_automations a ON a.id = r.automation_id LEFT JOIN ${S}.users u ON u.id = r.user_id
        WHERE ${sql.join(where, sql` AND `)} ORDER BY r.entered_at DESC, r.id LIMIT ${Math.min(input.limit ?? 50, 200)}`,
  );
  const d = (v: unknown) => (v ? new Date(v as string) : null);
  const defs = versionCache(ctx.db);
  const typeOf = new Map<string, TStepType>();
  for (const r of rows) {
    if (!r.current_step) continue;
    const def = await defs(r.automation_id as string, Number(r.version));
    const step = def ? findStep(def.definition.steps, r.current_step as string) : null;
    if (step) typeOf.set(r.id as string, step.type);
  }
  return rows.map(
    (r): TRunRow => ({
      id: r.id as string,
      automationId: r.automation_id as string,
      automationName: r.automation_name as string,
      userId: r.user_id as string,
      email: (r.email as string | null) ?? null,
      name: (r.name as string | null) ?? null,
      status: r.status as TRunStatus,
      isControl: Boolean(r.is_control),
      isTest: Boolean(r.is_test),
      currentStep: (r.current_step as string | null) ?? null,
      waiting: Boolean(r.waiting),
      dueAt: d(r.due_at),
      heldReason: (r.held_reason as string | null) ?? null,
      enteredAt: d(r.entered_at) as Date,
      endedAt: d(r.ended_at),
      exitReason: (r.exit_reason as string | null) ?? null,
      goalReachedAt: d(r.goal_reached_at),
      lastError: (r.last_error as string | null) ?? null,
      version: Number(r.version),
      sent: Number(r.sent),
      currentStepType: typeOf.get(r.id as string) ?? null,
    }),
  );
}

/** One run's timeline: each step it completed, in order, with the message it queued. */
export async function runTimeline({ ctx, input }: TServiceArgs<{ runId: string }>) {
  const [run] = await listRuns({ ctx, input: { runId: input.runId } });
  if (!run) throw new NotFoundError("That run does not exist");
  const steps = await executeRows<{
    step_id: string;
    outcome: TStepOutcome;
    at: Date | string;
    message_id: string | null;
    status: string | null;
  }>(
    ctx.db,
    sql`SELECT s.step_id, s.outcome, s.at, s.message_id, m.status FROM crm_automation_run_steps s LEFT JOIN crm_messages m ON m.id = s.message_id
        WHERE s.run_id = ${input.runId}::uuid ORDER BY s.at, s.step_id`,
  );
  const [v] = await executeRows<{ definition: unknown }>(
    ctx.db,
    sql`SELECT definition FROM crm_automation_versions WHERE automation_id = ${run.automationId}::uuid AND version = ${run.version}`,
  );
  const order = flattenSteps(ZAutomationDefinition.safeParse(v?.definition).data?.steps ?? []).map((x) => x.step.id);
  steps.sort((x, y) => new Date(x.at).getTime() - new Date(y.at).getTime() || order.indexOf(x.step_id) - order.indexOf(y.step_id));
  // A test run's messages went to the outbox, keyed by run and step (advance-runs.ts): shown in place.
  const previews = new Map<string, { subject: string; to: string[] }>();
  if (run.isTest) {
    const prefix = `automation-test-${run.id}-`;
    const rows = await executeRows<{ idempotency_key: string; subject: string; to: string[] }>(
      ctx.db,
      sql`SELECT idempotency_key, subject, "to" FROM crm_email_outbox WHERE idempotency_key LIKE ${`${prefix}%`}`,
    );
    for (const r of rows) previews.set(r.idempotency_key.slice(prefix.length).replace(/#0$/, ""), { subject: r.subject, to: r.to });
  }
  return {
    run,
    steps: steps.map((s) => ({
      stepId: s.step_id,
      outcome: s.outcome,
      at: new Date(s.at),
      messageId: s.message_id,
      messageStatus: s.status,
      preview: previews.get(s.step_id) ?? null,
    })),
  };
}
