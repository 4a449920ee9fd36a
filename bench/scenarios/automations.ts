import { inArray, sql } from "drizzle-orm";
import type { Db } from "@/server/db/client";
import { executeRows } from "@/server/db/client";
import { openJobsPool } from "@/server/db/open";
import { crmAdmins, crmAutomations, crmUserSegments } from "@/server/db/schema";
import { serviceContext } from "@/server/runtime";
import { advanceDueRuns } from "@/server/services/automations/advance-runs";
import { enrolFromSources } from "@/server/services/automations/enrol";
import { createAutomation, turnOnAutomation } from "@/server/services/automations/manage-automations";
import { type AdminActor, systemActor } from "@/server/services/context";
import { createSegment } from "@/server/services/segments/manage-segments";
import { recomputeSegment } from "@/server/services/segments/recompute-segment";
import type { TCondition, TCriteria } from "@/shared/criteria/schema";
import type { TAutomationDefinition } from "@/shared/schemas/automations";
import type { TBenchFigure, TBenchScenario } from "../types";

const c = (x: Record<string, unknown>) => ({ type: "condition", ...x }) as TCondition;
const all = (...conditions: TCriteria["conditions"]): TCriteria => ({ type: "group", match: "all", conditions });
/** The segments bench's five-condition segment. */
const FIVE: TCriteria = all(
  c({ field: "signed_up", op: "within_last", days: 300 }),
  c({ field: "last_active", op: "within_last", days: 30 }),
  c({ field: "plan", op: "not_in", values: ["free"] }),
  c({ field: "event", name: "vision.generated", days: 30, op: "gte", value: 2 }),
  c({ field: "ai_usage", metric: "cost", days: 30, op: "gt", value: 0.5 }),
);
const EVERYONE: TCriteria = all(c({ field: "email", op: "contains", value: "@" }));
const TAG = "bench-automation";

const flow = (segmentId: string): TAutomationDefinition => ({
  trigger: { kind: "segment_entered", segmentId },
  reentry: { mode: "once" },
  timeZone: "UTC",
  exitWhen: { leftSegment: false, goalReached: false, unsubscribed: false },
  goal: null,
  controlPercent: 0,
  whenCapped: "wait",
  steps: [
    { id: "tag", type: "tags", add: [TAG], remove: [] },
    { id: "hello", type: "send_in_app", subject: "Welcome", content: "A message from the automations bench" },
    { id: "later", type: "wait", minutes: 24 * 60 },
  ],
});

/**
 * Automations on the seeded data set (npm run db:seed -- --users 100000):
 * every user entering one segment at once (the recompute, then the tick's
 * enrolment with the first step scheduled), the runner's step rate (excluding any
 * provider: a tag and an in-app message per run), and the five-condition
 * segment's recompute with 10 live automations attached against the same
 * recompute with none, in the same process.
 */
const scenario: TBenchScenario = {
  description: "automations: 100k users entering at once, steps per second, recompute with 10 automations attached",
  async run(handle) {
    const db = handle.db as Db;
    const figures: TBenchFigure[] = [];
    const [users] = await handle.query<{ n: number }>("SELECT count(*)::int AS n FROM app.users");
    figures.push({ name: "users in the data set", value: users?.n ?? 0, unit: "users", target: null });
    const [adminRow] = await db
      .insert(crmAdmins)
      .values({ email: `bench-automations-${Date.now()}@example.com`, role: "admin", name: "bench" })
      .returning({ id: crmAdmins.id, email: crmAdmins.email });
    if (!adminRow) throw new Error("no admin");
    const actor: AdminActor = { type: "admin", id: adminRow.id, email: adminRow.email, role: "admin" };
    // Background work is asked for but not run here: the bench drives the runner itself, as the tick would.
    const noJobs = { mode: "in-process" as const, enqueue: async () => ({ mode: "in-process" as const, ids: [] }) };
    const ctx = serviceContext(db, actor, { jobs: noJobs });
    // Recomputes, enrolment and the runner run in jobs: on the jobs' pool, with its statement timeout, as in production.
    const jobsPool = openJobsPool();
    const jobDb = (jobsPool?.db ?? db) as Db;
    const sys = serviceContext(jobDb, systemActor("bench"), { jobs: noJobs });
    const segmentIds: string[] = [];
    const automationIds: string[] = [];
    const live = async (name: string, segmentId: string) => {
      const { id } = await createAutomation({ ctx, input: { name, definition: flow(segmentId) } });
      await turnOnAutomation({ ctx, input: { id } });
      automationIds.push(id);
      return id;
    };
    try {
      // 1. Everyone enters one segment at once.
      const everyone = (await createSegment({ ctx, input: { name: "bench: everyone", criteria: EVERYONE } })).id;
      segmentIds.push(everyone);
      await db.execute(sql`DELETE FROM crm_segment_members WHERE segment_id = ${everyone}::uuid`);
      await live("bench: welcome everyone", everyone);
      const t0 = performance.now();
      const entered = await recomputeSegment({ ctx: sys, input: { segmentId: everyone } });
      const recomputeMs = performance.now() - t0;
      // What the tick that the recompute asks for does first.
      const t0b = performance.now();
      await enrolFromSources({ ctx: sys, input: undefined });
      const enrolMs = performance.now() - t0b;
      const [due] = await executeRows<{ n: string | number }>(
        db,
        sql`SELECT count(*) AS n FROM crm_automation_runs WHERE automation_id = ${automationIds[0]}::uuid AND status = 'active' AND due_at IS NOT NULL`,
      );
      figures.push({ name: "users entering at once", value: entered.entered, unit: "users", target: null });
      figures.push({ name: "runs enrolled, first step scheduled", value: Number(due?.n ?? 0), unit: "runs", target: null });
      figures.push({ name: "recompute (everyone enters)", value: Math.round(recomputeMs), unit: "ms", target: null });
      figures.push({ name: "enrolment, first step scheduled (the tick)", value: Math.round(enrolMs), unit: "ms", target: null });
      figures.push({ name: "recompute + enrolment of all of them", value: Math.round(recomputeMs + enrolMs), unit: "ms", target: 60_000 });

      // 2. The runner: every run does its tag and its in-app message, then starts its wait.
      const t1 = performance.now();
      let steps = 0;
      for (;;) {
        const r = await advanceDueRuns({ ctx: sys, input: { maxRuns: 20_000 } });
        steps += r.steps;
        if (!r.more) break;
      }
      const runMs = performance.now() - t1;
      const [waiting] = await executeRows<{ n: string | number }>(
        db,
        sql`SELECT count(*) AS n FROM crm_automation_runs WHERE automation_id = ${automationIds[0]}::uuid AND current_step = 'later' AND waiting`,
      );
      figures.push({ name: "steps completed", value: steps, unit: "steps", target: null });
      figures.push({ name: "runs now waiting on their third step", value: Number(waiting?.n ?? 0), unit: "runs", target: null });
      figures.push({ name: "runner: time for all of them", value: Math.round(runMs), unit: "ms", target: null });
      figures.push({ name: "runner: steps per second", value: Math.round(steps / (runMs / 1000)), unit: "steps/s", target: 1000 });

      // 3. The five-condition segment's recompute with nobody entering, then everyone entering: no automation, then 10.
      const five = (await createSegment({ ctx, input: { name: "bench: five conditions", criteria: FIVE } })).id;
      segmentIds.push(five);
      const enterAll = async () => {
        await db.execute(sql`DELETE FROM crm_segment_members WHERE segment_id = ${five}::uuid`);
        const t = performance.now();
        const r = await recomputeSegment({ ctx: sys, input: { segmentId: five } });
        return { ...r, ms: performance.now() - t };
      };
      const bare = [await enterAll(), await enterAll(), await enterAll()].map((r) => r.ms).sort((a, b) => a - b);
      for (let i = 0; i < 10; i++) await live(`bench: on five conditions ${i + 1}`, five);
      const attached: number[] = [];
      const enrolments: number[] = [];
      let enrolled = 0;
      for (let i = 0; i < 3; i++) {
        // "Once" would keep everyone out the second time: each round starts from no runs.
        await db.execute(
          sql`DELETE FROM crm_automation_runs WHERE automation_id IN (SELECT id FROM crm_automations WHERE trigger_segment_id = ${five}::uuid)`,
        );
        const r = await enterAll();
        attached.push(r.ms);
        const t = performance.now();
        enrolled = (await enrolFromSources({ ctx: sys, input: undefined })).reduce((n, e) => n + e.enrolled, 0);
        enrolments.push(performance.now() - t);
      }
      attached.sort((a, b) => a - b);
      enrolments.sort((a, b) => a - b);
      const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? Number.NaN;
      figures.push({ name: "five-condition segment: members entering", value: enrolled / 10, unit: "users", target: null });
      figures.push({
        name: "recompute, all entering, no automation (median of 3)",
        value: Math.round(median(bare)),
        unit: "ms",
        target: 2000,
      });
      figures.push({
        name: "recompute, all entering, 10 automations (median of 3)",
        value: Math.round(median(attached)),
        unit: "ms",
        target: 2000,
      });
      figures.push({
        name: "then the tick enrols them in all 10 (median of 3)",
        value: Math.round(median(enrolments)),
        unit: "ms",
        target: null,
      });
      figures.push({ name: "runs enrolled", value: enrolled, unit: "runs", target: null });
      figures.push({
        name: "ratio with 10 automations / without",
        value: Math.round((median(attached) / median(bare)) * 100) / 100,
        unit: "×",
        target: null,
      });
    } finally {
      if (automationIds.length) {
        await db.execute(sql`DELETE FROM crm_messages WHERE automation_id IN (SELECT id FROM crm_automations WHERE name LIKE 'bench: %')`);
        await db.delete(crmAutomations).where(inArray(crmAutomations.id, automationIds));
      }
      await db.execute(sql`UPDATE crm_user_metadata SET tags = array_remove(tags, ${TAG}) WHERE tags @> ARRAY[${TAG}]::text[]`);
      if (segmentIds.length) await db.delete(crmUserSegments).where(inArray(crmUserSegments.id, segmentIds));
      await db.delete(crmAdmins).where(inArray(crmAdmins.id, [adminRow.id]));
      await jobsPool?.close();
    }
    return figures;
  },
};

export default scenario;
