import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { provideDatabase } from "@/server/db";
import { ResendProvider } from "@/server/email/resend-provider";
import { jobEvent } from "@/server/jobs/events";
import type { AdminActor } from "@/server/services/context";
import { markAsRead } from "@/server/services/messaging/direct-messages";
import { createSegment } from "@/server/services/segments/manage-segments";
import { recomputeSegment } from "@/server/services/segments/recompute-segment";
import type { TAutomationDefinition, TStep } from "@/shared/schemas/automations";
import { inngestFunction } from "~inngest/functions";
import { startFakeResend, type TFakeResend } from "../fixtures/fake-resend-server";
import { createAdmins, type TTestAdmin } from "../helpers/admins";
import { testClock, testCtx, testEngine } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const USERS = 40;
const tagged = (tag: string) => ({
  type: "group" as const,
  match: "all" as const,
  conditions: [{ type: "condition" as const, field: "tag" as const, op: "has_any" as const, values: [tag] }],
});

function definition(over: Partial<TAutomationDefinition> & { steps: TStep[] }): TAutomationDefinition {
  return {
    trigger: { kind: "manual" },
    reentry: { mode: "once" },
    timeZone: "UTC",
    exitWhen: { leftSegment: false, goalReached: false, unsubscribed: false },
    goal: null,
    controlPercent: 0,
    whenCapped: "wait",
    ...over,
  };
}

describe.each(engines())("automations on %s", (engine) => {
  let db: TTestDatabase;
  let fake: TFakeResend;
  let provider: ResendProvider;
  let admin: TTestAdmin;
  let templateId: string;
  let segmentId: string;
  // Mid-week, mid-morning UTC: no quiet hours or windows are in force unless a test sets them.
  const clock = testClock(new Date("2026-12-02T10:00:00Z"));
  const engineNow = () => testEngine(db.db, { email: provider, clock });
  /** Services on the test's clock, asking for background work from the engine the test drains. */
  const adminCtx = () => testCtx(db.db, { type: "admin", ...admin } as AdminActor, { clock, jobs: engineNow().port, email: provider });
  const api = () => createCaller({ ...createContext(db.db, admin), svc: adminCtx() });
  /** One scheduled tick and everything it raises (sends, continuations), run to the end. */
  const tick = async () => {
    const e = engineNow();
    await e.enqueue(jobEvent("crm/automations.tick.requested", { requestedBy: "test" }));
    await e.drain();
  };
  const drain = () => engineNow().drain();
  const q = <T>(text: string, params: unknown[] = []) => db.query<T & Record<string, unknown>>(text, params);
  const setTags = (userId: string, tags: string[]) =>
    q(
      `INSERT INTO crm_user_metadata (user_id, tags) VALUES ($1, $2::text[])
       ON CONFLICT (user_id) DO UPDATE SET tags = excluded.tags`,
      [userId, `{${tags.join(",")}}`],
    );
  const runsOf = (automationId: string) =>
    q<{
      user_id: string;
      status: string;
      current_step: string | null;
      is_control: boolean;
      version: number;
      exit_reason: string | null;
      held_reason: string | null;
    }>(
      "SELECT user_id, status, current_step, is_control, version, exit_reason, held_reason FROM crm_automation_runs WHERE automation_id = $1 AND NOT is_test ORDER BY user_id, entered_at",
      [automationId],
    );
  async function live(name: string, d: TAutomationDefinition) {
    const { id } = await api().automations.create({ name, definition: d });
    await api().automations.turnOn({ id });
    return id;
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    provideDatabase(db);
    admin = (await createAdmins(db.db, `auto-${engine}`)).admin;
    await insertSourceRows(db, {
      users: Array.from({ length: USERS }, (_, i) => ({
        id: uuid(i + 1),
        email: `member${i + 1}@example.com`,
        name: `Member ${i + 1}`,
        created_at: new Date(clock().getTime() - 30 * DAY).toISOString(),
      })),
    });
    const t = await api().messaging.templates.create({
      name: "Welcome",
      subject: "Welcome, {{user.firstName}}",
      body: "Glad you are here.",
    });
    templateId = t.id;
    segmentId = (await createSegment({ ctx: adminCtx(), input: { name: "VIPs", criteria: tagged("vip") } })).id;
    fake = await startFakeResend();
    provider = new ResendProvider(fake.apiKey, fake.url, 150);
  });
  afterAll(async () => {
    await fake?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    clock.set(new Date("2026-12-02T10:00:00Z"));
    await db.execScript(`UPDATE crm_automations SET status = 'archived'; UPDATE crm_automation_runs SET status = 'exited', due_at = NULL WHERE status = 'active';
      DELETE FROM crm_user_metadata; DELETE FROM crm_settings; DELETE FROM crm_segment_members; DELETE FROM crm_job_queue; DELETE FROM crm_suppressions;
      DROP TRIGGER IF EXISTS fail_sent ON crm_messages;`);
  });

  it("a segment entry enrols once; waits, branches and sends take the right path, and each step is counted", async () => {
    const id = await live("VIP welcome", {
      ...definition({
        trigger: { kind: "segment_entered", segmentId },
        steps: [
          { id: "hello", type: "send_in_app", subject: "Hi", content: "Welcome to the VIP circle" },
          { id: "pause", type: "wait", minutes: 60 },
          {
            id: "engaged",
            type: "branch",
            criteria: tagged("engaged"),
            yes: [{ id: "mail", type: "send_email", templateId }],
            no: [{ id: "mark", type: "tags", add: ["nudged"], remove: [] }],
          },
        ],
      }),
    });
    await setTags(uuid(1), ["vip", "engaged"]);
    await setTags(uuid(2), ["vip"]);
    const first = await recomputeSegment({ ctx: adminCtx(), input: { segmentId } });
    expect(first).toMatchObject({ entered: 2 });
    // The recompute asked for the tick, which enrols them; the same recompute again changes nothing and enrols no one.
    await drain();
    expect(await recomputeSegment({ ctx: adminCtx(), input: { segmentId } })).toMatchObject({ entered: 0 });
    await tick();
    expect((await runsOf(id)).length).toBe(2);
    expect(await runsOf(id)).toEqual([
      expect.objectContaining({ user_id: uuid(1), status: "active", current_step: "pause" }),
      expect.objectContaining({ user_id: uuid(2), status: "active", current_step: "pause" }),
    ]);
    const inApp = await q<{ user_id: string; status: string }>(
      "SELECT user_id, status FROM crm_messages WHERE automation_id = $1 AND channel = 'in_app' ORDER BY user_id",
      [id],
    );
    expect(inApp).toEqual([
      { user_id: uuid(1), status: "sent" },
      { user_id: uuid(2), status: "sent" },
    ]);
    clock.advance(30 * 60_000);
    await tick();
    expect((await runsOf(id)).map((r) => r.current_step)).toEqual(["pause", "pause"]);
    const report1 = await api().automations.report({ id });
    expect(report1.steps.find((s) => s.stepId === "pause")).toMatchObject({ waiting: 2, completed: 0 });
    clock.advance(31 * 60_000);
    const before = fake.sent.length;
    await tick();
    expect(await runsOf(id)).toEqual([
      expect.objectContaining({ user_id: uuid(1), status: "completed" }),
      expect.objectContaining({ user_id: uuid(2), status: "completed" }),
    ]);
    expect(fake.sent.slice(before).map((e) => [e.to[0], e.subject])).toEqual([["member1@example.com", "Welcome, Member"]]);
    expect((await q<{ tags: string[] }>("SELECT tags FROM crm_user_metadata WHERE user_id = $1", [uuid(2)]))[0]?.tags).toEqual([
      "nudged",
      "vip",
    ]);
    const report = await api().automations.report({ id });
    expect(report).toMatchObject({ entered: 2, active: 0, completed: 2 });
    expect(Object.fromEntries(report.steps.map((s) => [s.stepId, s.outcomes]))).toEqual({
      hello: { sent: 2 },
      pause: { done: 2 },
      engaged: { yes: 1, no: 1 },
      mail: { sent: 1 },
      mark: { done: 1 },
    });
    // Leaving and entering again: "once" keeps them out.
    await setTags(uuid(1), []);
    await recomputeSegment({ ctx: adminCtx(), input: { segmentId } });
    await setTags(uuid(1), ["vip"]);
    expect(await recomputeSegment({ ctx: adminCtx(), input: { segmentId } })).toMatchObject({ entered: 1 });
    await tick();
    expect((await runsOf(id)).length).toBe(2);
  });

  it("re-entry at most once per N days; manual enrolment reports who was kept out, and is audited", async () => {
    const id = await live(
      "Check-in",
      definition({ reentry: { mode: "every_n_days", days: 7 }, steps: [{ id: "note", type: "send_in_app", content: "How is it going?" }] }),
    );
    expect(await api().automations.enrol({ id, userIds: [uuid(3), uuid(3), uuid(4)] })).toEqual({ enrolled: 2, notEnrolled: [] });
    expect(await api().automations.enrol({ id, userIds: [uuid(3)] })).toEqual({ enrolled: 0, notEnrolled: [uuid(3)] });
    await drain();
    clock.advance(6 * DAY);
    expect((await api().automations.enrol({ id, userIds: [uuid(3)] })).enrolled).toBe(0);
    clock.advance(DAY + 60_000);
    expect((await api().automations.enrol({ id, userIds: [uuid(3), uuid(999)] })).enrolled).toBe(1);
    const audits = await q<{ n: number }>(
      "SELECT count(*)::int AS n FROM crm_audit_log WHERE action = 'automation.enrolled' AND target_id = $1",
      [id],
    );
    expect(audits[0]?.n).toBe(4);
    await expect(api().automations.enrol({ id, userIds: ["not-a-uuid"] })).rejects.toThrow();
  });

  it("source events, days after sign-up and thresholds enrol the right users once", async () => {
    const onEvent = await live(
      "Intensive started",
      definition({
        trigger: { kind: "source_event", source: "event", eventName: "intensive.started" },
        reentry: { mode: "every_time" },
        steps: [{ id: "x", type: "tags", add: ["in-intensive"], remove: [] }],
      }),
    );
    const onSignup = await live(
      "Day 3",
      definition({ trigger: { kind: "days_after_signup", days: 3 }, steps: [{ id: "x", type: "tags", add: ["day3"], remove: [] }] }),
    );
    const onCost = await live(
      "Expensive",
      definition({
        trigger: {
          kind: "criteria",
          criteria: {
            type: "group",
            match: "all",
            conditions: [{ type: "condition", field: "ai_usage", metric: "cost", days: 1, op: "gt", value: 5 }],
          },
        },
        steps: [{ id: "x", type: "priority", priority: "high" }],
      }),
    );
    // Margin below zero: revenue minus AI cost, all time.
    const onLoss = await live(
      "Costs more than brings",
      definition({
        trigger: {
          kind: "criteria",
          criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "margin", op: "lt", value: 0 }] },
        },
        steps: [{ id: "x", type: "tags", add: ["unprofitable"], remove: [] }],
      }),
    );
    const now = clock().getTime();
    await insertSourceRows(db, {
      // Member 9's $2 of AI cost is covered by a $10 payment; member 8's $6 is not.
      payments: [
        { user_id: uuid(9), amount: 10, currency: "USD", status: "succeeded", plan: "pro", paid_at: new Date(now - DAY).toISOString() },
      ],
      // Before the automation was on: not a trigger.
      events: [
        { user_id: uuid(5), name: "intensive.started", properties: {}, occurred_at: new Date(now - DAY).toISOString() },
        { user_id: uuid(6), name: "intensive.started", properties: {}, occurred_at: new Date(now + 60_000).toISOString() },
        { user_id: uuid(7), name: "vision.generated", properties: {}, occurred_at: new Date(now + 60_000).toISOString() },
      ],
      users: [
        { id: uuid(101), email: "new1@example.com", name: "New One", created_at: new Date(now - 3 * DAY + 5 * 60_000).toISOString() },
      ],
      token_usage: [
        {
          user_id: uuid(8),
          model: "gpt-4o",
          feature: "vision",
          input_tokens: 1,
          output_tokens: 1,
          cost_usd: 6,
          created_at: new Date(now - HOUR).toISOString(),
        },
        {
          user_id: uuid(9),
          model: "gpt-4o",
          feature: "vision",
          input_tokens: 1,
          output_tokens: 1,
          cost_usd: 2,
          created_at: new Date(now - HOUR).toISOString(),
        },
      ],
    });
    clock.advance(2 * 60_000);
    await tick();
    expect((await runsOf(onEvent)).map((r) => r.user_id)).toEqual([uuid(6)]);
    expect(await runsOf(onSignup)).toEqual([]);
    expect((await runsOf(onCost)).map((r) => r.user_id)).toEqual([uuid(8)]);
    expect((await runsOf(onLoss)).map((r) => r.user_id)).toEqual([uuid(8)]);
    clock.advance(5 * 60_000);
    await tick();
    // Looked at again within the overlap: still one run each; the sign-up's third day has come.
    expect((await runsOf(onEvent)).map((r) => [r.user_id, r.status])).toEqual([[uuid(6), "completed"]]);
    expect((await runsOf(onSignup)).map((r) => [r.user_id, r.status])).toEqual([[uuid(101), "completed"]]);
    expect((await runsOf(onCost)).map((r) => r.user_id)).toEqual([uuid(8)]);
    const meta = await q<{ user_id: string; tags: string[]; priority: string | null }>(
      "SELECT user_id, tags, priority FROM crm_user_metadata WHERE user_id IN ($1, $2, $3) ORDER BY user_id",
      [uuid(6), uuid(8), uuid(101)],
    );
    expect(meta).toEqual([
      { user_id: uuid(6), tags: ["in-intensive"], priority: null },
      { user_id: uuid(8), tags: ["unprofitable"], priority: "high" },
      { user_id: uuid(101), tags: ["day3"], priority: null },
    ]);
    // Every time: a second start of the intensive is a second run.
    await insertSourceRows(db, {
      events: [{ user_id: uuid(6), name: "intensive.started", properties: {}, occurred_at: clock().toISOString() }],
    });
    clock.advance(60_000);
    await tick();
    expect((await runsOf(onEvent)).length).toBe(2);
  });

  it("sign-ups, cancellations, failed payments and leaving a segment are triggers too; each cause enrols once", async () => {
    const signup = await live(
      "Signed up",
      definition({
        trigger: { kind: "source_event", source: "signed_up" },
        steps: [{ id: "x", type: "tags", add: ["joined"], remove: [] }],
      }),
    );
    const canceled = await live(
      "Canceled",
      definition({
        trigger: { kind: "source_event", source: "subscription_canceled" },
        steps: [{ id: "x", type: "tags", add: ["canceled"], remove: [] }],
      }),
    );
    const failed = await live(
      "Payment failed",
      definition({
        trigger: { kind: "source_event", source: "payment_failed" },
        reentry: { mode: "every_time" },
        steps: [{ id: "x", type: "notify_admins", message: "A payment failed", email: true }],
      }),
    );
    const left = await live(
      "Left VIPs",
      definition({ trigger: { kind: "segment_left", segmentId }, steps: [{ id: "x", type: "tags", add: ["left-vip"], remove: [] }] }),
    );
    const at = (ms: number) => new Date(clock().getTime() + ms).toISOString();
    await setTags(uuid(17), ["vip"]);
    await recomputeSegment({ ctx: adminCtx(), input: { segmentId } });
    await insertSourceRows(db, {
      users: [{ id: uuid(102), email: "new2@example.com", name: "New Two", created_at: at(30_000) }],
      subscriptions: [
        {
          user_id: uuid(18),
          plan: "pro",
          status: "canceled",
          price: 20,
          interval: "month",
          started_at: at(-30 * DAY),
          canceled_at: at(30_000),
        },
        { user_id: uuid(19), plan: "pro", status: "active", price: 20, interval: "month", started_at: at(-30 * DAY), canceled_at: null },
      ],
      payments: [
        { user_id: uuid(19), subscription_id: null, amount: 20, currency: "USD", status: "failed", plan: "pro", paid_at: at(30_000) },
        { user_id: uuid(19), subscription_id: null, amount: 20, currency: "USD", status: "succeeded", plan: "pro", paid_at: at(40_000) },
      ],
    });
    await setTags(uuid(17), []);
    clock.advance(60_000);
    await recomputeSegment({ ctx: adminCtx(), input: { segmentId } });
    await tick();
    await tick();
    expect((await runsOf(signup)).map((r) => r.user_id)).toEqual([uuid(102)]);
    expect((await runsOf(canceled)).map((r) => r.user_id)).toEqual([uuid(18)]);
    expect((await runsOf(failed)).map((r) => r.user_id)).toEqual([uuid(19)]);
    expect((await runsOf(left)).map((r) => [r.user_id, r.status])).toEqual([[uuid(17), "completed"]]);
    // The notification is in the CRM, and emailed once to the owner and admins.
    const notes = await api().automations.notifications({});
    expect(notes.items[0]).toMatchObject({ title: "Payment failed: Member 19", body: "A payment failed", userId: uuid(19), readAt: null });
    const mails = fake.sent.filter((e) => e.subject === "Payment failed: Member 19");
    expect(mails.length).toBe(1);
    expect(mails[0]?.to).toContain(admin.email);
    expect((await api().automations.markNotificationsRead()).marked).toBeGreaterThan(0);
    expect((await api().automations.notifications({})).unread).toBe(0);
  });

  it("N days before a renewal enrols each active subscription once per renewal, monthly and yearly", async () => {
    const id = await live(
      "Renewal reminder",
      definition({
        trigger: { kind: "days_before_renewal", days: 3 },
        reentry: { mode: "every_time" },
        steps: [{ id: "x", type: "tags", add: ["renews"], remove: [] }],
      }),
    );
    // Renewals on 2026-12-05 10:30 UTC (three days later than "now" plus half an hour): monthly, yearly, and a canceled one.
    await insertSourceRows(db, {
      subscriptions: [
        {
          user_id: uuid(27),
          plan: "pro",
          status: "active",
          price: 20,
          interval: "month",
          started_at: "2026-10-05T10:30:00Z",
          canceled_at: null,
        },
        {
          user_id: uuid(28),
          plan: "pro_annual",
          status: "active",
          price: 200,
          interval: "year",
          started_at: "2025-12-05T10:30:00Z",
          canceled_at: null,
        },
        {
          user_id: uuid(29),
          plan: "pro",
          status: "canceled",
          price: 20,
          interval: "month",
          started_at: "2026-10-05T10:30:00Z",
          canceled_at: "2026-11-20T00:00:00Z",
        },
      ],
    });
    await tick();
    expect((await runsOf(id)).filter((r) => [uuid(27), uuid(28), uuid(29)].includes(r.user_id))).toEqual([]);
    clock.set(new Date("2026-12-02T10:31:00Z"));
    await tick();
    clock.set(new Date("2026-12-02T10:35:00Z"));
    await tick();
    // (Subscriptions of earlier tests renew too: only this test's are looked at.)
    const mine = async () => (await runsOf(id)).map((r) => r.user_id).filter((u) => [uuid(27), uuid(28), uuid(29)].includes(u));
    expect(await mine()).toEqual([uuid(27), uuid(28)]);
    // Weeks later (ticks keep coming every minute; two stand for them), the next monthly renewal (2027-01-05) enrols the monthly one again.
    clock.set(new Date("2026-12-20T00:00:00Z"));
    await tick();
    clock.set(new Date("2027-01-02T10:31:00Z"));
    await tick();
    expect(await mine()).toEqual([uuid(27), uuid(27), uuid(28)]);
  });

  it("a run ends early on reaching the goal, leaving the segment, unsubscribing, or an exit step", async () => {
    const wait = (id: string) => ({ id, type: "wait" as const, minutes: 60 });
    const onGoal = await live(
      "Exit on goal",
      definition({
        goal: { criteria: tagged("done"), withinDays: 7 },
        exitWhen: { leftSegment: false, goalReached: true, unsubscribed: false },
        steps: [wait("w")],
      }),
    );
    const onLeave = await live(
      "Exit on leaving",
      definition({
        trigger: { kind: "segment_entered", segmentId },
        exitWhen: { leftSegment: true, goalReached: false, unsubscribed: true },
        steps: [wait("w")],
      }),
    );
    const onExit = await live("Exit step", definition({ steps: [{ id: "bye", type: "exit" }] }));
    await api().automations.enrol({ id: onGoal, userIds: [uuid(22)] });
    await api().automations.enrol({ id: onExit, userIds: [uuid(22)] });
    await setTags(uuid(23), ["vip"]);
    await setTags(uuid(24), ["vip"]);
    await recomputeSegment({ ctx: adminCtx(), input: { segmentId } });
    await drain();
    await setTags(uuid(22), ["done"]);
    await setTags(uuid(23), []);
    await recomputeSegment({ ctx: adminCtx(), input: { segmentId } });
    await db.query("INSERT INTO crm_suppressions (email, reason) VALUES ('member24@example.com', 'unsubscribed')");
    clock.advance(60_000);
    await tick();
    const reasons = async (id: string) => (await runsOf(id)).map((r) => [r.user_id, r.status, r.exit_reason]);
    // Exits are looked at every tick; a goal (a criteria query over the open runs) at most every five minutes.
    expect(await reasons(onGoal)).toEqual([[uuid(22), "active", null]]);
    expect(await reasons(onLeave)).toEqual([
      [uuid(23), "exited", "Left the segment"],
      [uuid(24), "exited", "Unsubscribed"],
    ]);
    clock.advance(4 * 60_000);
    await tick();
    expect(await reasons(onGoal)).toEqual([[uuid(22), "completed", "Reached the goal"]]);
    expect(await reasons(onLeave)).toEqual([
      [uuid(23), "exited", "Left the segment"],
      [uuid(24), "exited", "Unsubscribed"],
    ]);
    expect(await reasons(onExit)).toEqual([[uuid(22), "exited", "Exit step"]]);
    const report = await api().automations.report({ id: onLeave });
    expect(report).toMatchObject({ entered: 2, exited: 2, active: 0 });
  });

  it("a branch on an earlier message follows what each person did with it (read through the main app's API)", async () => {
    const id = await live(
      "Read it?",
      definition({
        steps: [
          { id: "note", type: "send_in_app", content: "Your week in review is ready" },
          { id: "w", type: "wait", minutes: 60 },
          {
            id: "read",
            type: "branch",
            criteria: tagged("unused"),
            message: { stepId: "note", action: "opened" },
            yes: [{ id: "t-yes", type: "tags", add: ["read-it"], remove: [] }],
            no: [{ id: "t-no", type: "tags", add: ["missed-it"], remove: [] }],
          },
        ],
      }),
    );
    await api().automations.enrol({ id, userIds: [uuid(25), uuid(26)] });
    await drain();
    const [m] = await q<{ id: string }>("SELECT id FROM crm_messages WHERE automation_id = $1 AND user_id = $2", [id, uuid(25)]);
    await markAsRead({
      ctx: testCtx(db.db, { type: "webhook", provider: "main-app" }, { clock }),
      input: { messageId: m?.id ?? "", userId: uuid(25), direction: "outbound" },
    });
    clock.advance(61 * 60_000);
    await tick();
    const tags = await q<{ user_id: string; tags: string[] }>(
      "SELECT user_id, tags FROM crm_user_metadata WHERE user_id IN ($1, $2) ORDER BY user_id",
      [uuid(25), uuid(26)],
    );
    expect(tags).toEqual([
      { user_id: uuid(25), tags: ["read-it"] },
      { user_id: uuid(26), tags: ["missed-it"] },
    ]);
    expect((await api().automations.report({ id })).steps.find((s) => s.stepId === "note")).toMatchObject({ opened: 1 });
    // The step it names must come before it, and send something.
    await expect(
      api().automations.create({
        name: "Bad branch",
        definition: definition({
          steps: [
            { id: "b", type: "branch", criteria: tagged("x"), message: { stepId: "later", action: "opened" }, yes: [], no: [] },
            { id: "later", type: "send_in_app", content: "x" },
          ],
        }),
      }),
    ).rejects.toThrow(/send step that comes before/);
  });

  it("wait-until goes on when the condition holds or the time is up; a local-time window waits for its opening", async () => {
    const id = await live(
      "Assessment nudge",
      definition({
        timeZone: "America/New_York",
        steps: [
          { id: "until", type: "wait_until", criteria: tagged("assessed"), maxDays: 3 },
          { id: "window", type: "wait_window", fromHour: 9, toHour: 17, weekdaysOnly: true },
          { id: "done", type: "tags", add: ["reached"], remove: [] },
        ],
      }),
    );
    await api().automations.enrol({ id, userIds: [uuid(10), uuid(11)] });
    await drain();
    expect((await runsOf(id)).map((r) => r.current_step)).toEqual(["until", "until"]);
    await setTags(uuid(10), ["assessed"]);
    clock.advance(11 * 60_000);
    await tick();
    // 10:11 UTC is 05:11 in New York: the first waits for 09:00 there (14:00 UTC).
    const after = await q<{ user_id: string; current_step: string; due_at: Date }>(
      "SELECT user_id, current_step, due_at FROM crm_automation_runs WHERE automation_id = $1 ORDER BY user_id",
      [id],
    );
    expect(after.map((r) => r.current_step)).toEqual(["window", "until"]);
    expect(new Date(after[0]?.due_at as Date).toISOString()).toBe("2026-12-02T14:00:00.000Z");
    clock.set(new Date("2026-12-02T14:00:30Z"));
    await tick();
    expect((await runsOf(id)).map((r) => r.status)).toEqual(["completed", "active"]);
    clock.set(new Date("2026-12-05T10:01:00Z")); // three days after entering, a Saturday: timed out, then the window waits for Monday
    await tick();
    const steps = await q<{ step_id: string; outcome: string }>(
      "SELECT s.step_id, s.outcome FROM crm_automation_run_steps s JOIN crm_automation_runs r ON r.id = s.run_id WHERE r.user_id = $1 AND r.automation_id = $2 ORDER BY s.at",
      [uuid(11), id],
    );
    expect(steps).toEqual([{ step_id: "until", outcome: "timed_out" }]);
    const [run] = await q<{ due_at: Date }>("SELECT due_at FROM crm_automation_runs WHERE user_id = $1 AND automation_id = $2", [
      uuid(11),
      id,
    ]);
    expect(new Date(run?.due_at as Date).toISOString()).toBe("2026-12-07T14:00:00.000Z");
  });

  it("quiet hours hold a send until they end (or skip it); a frequency cap holds the next email until the oldest leaves the window", async () => {
    await api().automations.setRules({
      caps: { email: { max: 1, days: 7 }, push: null, in_app: null },
      quietHours: { fromHour: 9, toHour: 11, timeZone: "UTC" },
    });
    const held = await live(
      "Quiet wait",
      definition({
        steps: [
          { id: "m1", type: "send_email", templateId },
          { id: "m2", type: "send_email", templateId },
        ],
      }),
    );
    const skipped = await live("Quiet skip", definition({ whenCapped: "skip", steps: [{ id: "s1", type: "send_email", templateId }] }));
    await api().automations.enrol({ id: held, userIds: [uuid(12)] });
    await api().automations.enrol({ id: skipped, userIds: [uuid(13)] });
    const before = fake.sent.length;
    await drain();
    expect(await runsOf(held)).toEqual([expect.objectContaining({ status: "active", current_step: "m1", held_reason: "quiet" })]);
    expect(await runsOf(skipped)).toEqual([expect.objectContaining({ status: "completed" })]);
    expect(
      await q("SELECT outcome FROM crm_automation_run_steps s JOIN crm_automation_runs r ON r.id = s.run_id WHERE r.automation_id = $1", [
        skipped,
      ]),
    ).toEqual([{ outcome: "skipped_quiet" }]);
    expect(fake.sent.length).toBe(before);
    clock.set(new Date("2026-12-02T11:00:30Z"));
    await tick();
    // The first email went at 11:00; the second is capped until seven days later.
    expect(fake.sent.slice(before).map((e) => e.to[0])).toEqual(["member12@example.com"]);
    const [run] = await q<{ current_step: string; held_reason: string; due_at: Date }>(
      "SELECT current_step, held_reason, due_at FROM crm_automation_runs WHERE automation_id = $1",
      [held],
    );
    expect(run).toMatchObject({ current_step: "m2", held_reason: "capped" });
    expect(new Date(run?.due_at as Date).getTime()).toBeGreaterThan(new Date("2026-12-09T11:00:00Z").getTime());
    clock.set(new Date("2026-12-09T11:01:00Z"));
    await tick();
    expect(fake.sent.slice(before).map((e) => e.to[0])).toEqual(["member12@example.com", "member12@example.com"]);
    expect(await runsOf(held)).toEqual([expect.objectContaining({ status: "completed" })]);
  });

  it("campaigns are held by the caps and quiet hours too: capped members are left out and counted; in quiet hours a send waits for their end", async () => {
    await api().automations.setRules({ caps: { email: { max: 1, days: 7 }, push: null, in_app: null }, quietHours: null });
    // Member 20 had an automation email this week: at the cap of one.
    const id = await live("One email", definition({ steps: [{ id: "mail", type: "send_email", templateId }] }));
    await api().automations.enrol({ id, userIds: [uuid(20)] });
    await drain();
    await setTags(uuid(20), ["vip"]);
    await setTags(uuid(21), ["vip"]);
    await recomputeSegment({ ctx: adminCtx(), input: { segmentId } });
    const capped = await api().messaging.campaigns.create({ name: "Capped", type: "email", subject: "News", content: "Hello" });
    expect(await api().messaging.campaigns.audience({ segmentId, type: "email" })).toMatchObject({ members: 2, eligible: 1, capped: 1 });
    const before = fake.sent.length;
    const started = await api().messaging.campaigns.sendToSegment({ segmentId, campaignId: capped.id });
    expect(started.campaign).toMatchObject({ status: "sending", totalRecipients: 1, cappedCount: 1 });
    await drain();
    expect(fake.sent.slice(before).map((e) => e.to[0])).toEqual(["member21@example.com"]);
    // That campaign email counts too: member 21 is now at the cap, so an automation email waits for them.
    const next = await live("Another", definition({ steps: [{ id: "mail", type: "send_email", templateId }] }));
    await api().automations.enrol({ id: next, userIds: [uuid(21)] });
    await drain();
    expect(await runsOf(next)).toEqual([expect.objectContaining({ status: "active", held_reason: "capped" })]);

    // Quiet hours 09–11 UTC (it is 10:00): "send now" is scheduled for 11:00, and nothing goes before then.
    await api().automations.setRules({
      caps: { email: null, push: null, in_app: null },
      quietHours: { fromHour: 9, toHour: 11, timeZone: "UTC" },
    });
    const quiet = await api().messaging.campaigns.create({ name: "Quiet", type: "email", subject: "News", content: "Hello" });
    const held = await api().messaging.campaigns.sendToSegment({ segmentId, campaignId: quiet.id });
    expect(held).toMatchObject({ campaign: { status: "scheduled" }, dispatched: null });
    expect(held.campaign.scheduledAt?.toISOString()).toBe("2026-12-02T11:00:00.000Z");
    const due = async () => {
      const e = engineNow();
      await e.enqueue(jobEvent("crm/campaigns.due.requested", { requestedBy: "test" }));
      await e.drain();
    };
    const quietBefore = fake.sent.length;
    await due();
    expect((await api().messaging.campaigns.get({ id: quiet.id })).status).toBe("scheduled");
    clock.set(new Date("2026-12-02T11:00:30Z"));
    await due();
    expect(await api().messaging.campaigns.get({ id: quiet.id })).toMatchObject({ status: "sent", totalRecipients: 2 });
    expect(
      fake.sent
        .slice(quietBefore)
        .map((e) => e.to[0])
        .sort(),
    ).toEqual(["member20@example.com", "member21@example.com"]);
  });

  it("a crash between an email's send and its bookkeeping sends nothing twice; an unsubscribed address is skipped", async () => {
    const id = await live("Crash", definition({ steps: [{ id: "mail", type: "send_email", templateId }] }));
    await api().automations.enrol({ id, userIds: [uuid(14), uuid(15), uuid(16)] });
    // Recording "sent" fails twice, after the provider accepted.
    // A sequence, because it is not rolled back with the failing transaction.
    await db.execScript(`DROP SEQUENCE IF EXISTS fail_seq; CREATE SEQUENCE fail_seq;
      CREATE OR REPLACE FUNCTION fail_sent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'sent' AND NEW.automation_id IS NOT NULL AND nextval('fail_seq') <= 2 THEN
          RAISE EXCEPTION 'database went away';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER fail_sent BEFORE UPDATE ON crm_messages FOR EACH ROW EXECUTE FUNCTION fail_sent();`);
    await db.query("INSERT INTO crm_suppressions (email, reason) VALUES ('member16@example.com', 'unsubscribed')");
    const before = fake.sent.length;
    const requestsBefore = fake.requests.length;
    // Retries wait their backoff on the test's clock.
    await engineNow().drain({ advance: (to) => clock.set(to) });
    const sent = fake.sent.slice(before).map((e) => e.to[0]);
    expect(sent.sort()).toEqual(["member14@example.com", "member15@example.com"]);
    // The retries were replays of the same keys (the provider answered with the first send).
    const keys = fake.requests.slice(requestsBefore).map((r) => r.idempotencyKey);
    expect(keys.length).toBe(4);
    expect(new Set(keys).size).toBe(2);
    const messages = await q<{ status: string; error: string | null }>(
      "SELECT status, error FROM crm_messages WHERE automation_id = $1 ORDER BY user_id",
      [id],
    );
    expect(messages.map((m) => m.status)).toEqual(["sent", "sent"]);
    // The unsubscribed member got no message at all: the step skipped them, and says so.
    const outcomes = await q<{ user_id: string; outcome: string }>(
      "SELECT r.user_id, s.outcome FROM crm_automation_run_steps s JOIN crm_automation_runs r ON r.id = s.run_id WHERE r.automation_id = $1 ORDER BY r.user_id",
      [id],
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(["sent", "sent", "skipped_suppressed"]);
  });

  it("a control group walks the flow and receives nothing; the lift compares both groups' goal rates", async () => {
    const id = await live(
      "Upgrade offer",
      definition({
        goal: { criteria: tagged("converted"), withinDays: 14 },
        controlPercent: 50,
        steps: [{ id: "offer", type: "send_in_app", content: "Pro is 20% off this week" }],
      }),
    );
    const ids = Array.from({ length: USERS }, (_, i) => uuid(i + 1));
    await api().automations.enrol({ id, userIds: ids });
    await drain();
    const runs = await runsOf(id);
    const control = runs.filter((r) => r.is_control).map((r) => r.user_id);
    const treated = runs.filter((r) => !r.is_control).map((r) => r.user_id);
    expect(control.length).toBeGreaterThan(5);
    expect(treated.length).toBeGreaterThan(5);
    const received = await q<{ user_id: string }>("SELECT user_id FROM crm_messages WHERE automation_id = $1 ORDER BY user_id", [id]);
    expect(received.map((r) => r.user_id)).toEqual([...treated].sort());
    // Half the treated convert, a quarter of the control.
    const tConv = treated.slice(0, Math.ceil(treated.length / 2));
    const cConv = control.slice(0, Math.ceil(control.length / 4));
    for (const u of [...tConv, ...cConv]) await setTags(u, ["converted"]);
    clock.advance(HOUR);
    await tick();
    const report = await api().automations.report({ id });
    const rate = (n: number, d: number) => Math.round((n / d) * 1000) / 10;
    expect(report.goal).toEqual({
      withinDays: 14,
      treated: { entered: treated.length, reached: tConv.length, rate: rate(tConv.length, treated.length) },
      control: { entered: control.length, reached: cConv.length, rate: rate(cConv.length, control.length) },
      lift: Math.round((rate(tConv.length, treated.length) - rate(cConv.length, control.length)) * 10) / 10,
    });
    expect(report.steps).toEqual([
      expect.objectContaining({ stepId: "offer", outcomes: { sent: treated.length, held_out: control.length } }),
    ]);
  });

  it("pause holds waits and resume goes on; editing a live automation makes a version that only new runs use", async () => {
    const d = definition({
      steps: [
        { id: "w", type: "wait", minutes: 10 },
        { id: "t", type: "tags", add: ["v1"], remove: [] },
      ],
    });
    const id = await live("Versions", d);
    await api().automations.enrol({ id, userIds: [uuid(20)] });
    await drain();
    await api().automations.pause({ id });
    clock.advance(20 * 60_000);
    await tick();
    expect(await runsOf(id)).toEqual([expect.objectContaining({ status: "active", current_step: "w" })]);
    const current = await api().automations.get({ id });
    const saved = await api().automations.update({
      id,
      name: "Versions",
      baseRevision: current.revision,
      definition: {
        ...d,
        steps: [
          { id: "w", type: "wait", minutes: 10 },
          { id: "t2", type: "tags", add: ["v2"], remove: [] },
        ],
      },
    });
    expect(saved.publishedVersion).toBe(2);
    await expect(api().automations.update({ id, name: "Stale", baseRevision: current.revision, definition: d })).rejects.toThrow(
      /Someone saved/,
    );
    await api().automations.turnOn({ id });
    await api().automations.enrol({ id, userIds: [uuid(21)] });
    await drain();
    clock.advance(11 * 60_000);
    await tick();
    const tags = await q<{ user_id: string; tags: string[] }>(
      "SELECT user_id, tags FROM crm_user_metadata WHERE user_id IN ($1, $2) ORDER BY user_id",
      [uuid(20), uuid(21)],
    );
    expect(tags).toEqual([
      { user_id: uuid(20), tags: ["v1"] },
      { user_id: uuid(21), tags: ["v2"] },
    ]);
    expect((await runsOf(id)).map((r) => r.version)).toEqual([1, 2]);
  });

  it("refuses to turn on what cannot run, with every reason", async () => {
    const { id } = await api().automations.create({
      name: "Broken",
      definition: definition({
        trigger: { kind: "segment_entered", segmentId: uuid(424242) },
        steps: [
          { id: "mail", type: "send_email", templateId: uuid(777) },
          { id: "push", type: "send_push", title: "Hi", content: "There" },
        ],
      }),
    });
    const err = await api()
      .automations.turnOn({ id })
      .catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/segment no longer exists/);
    expect(String((err as Error).message)).toMatch(/template no longer exists/);
    expect(String((err as Error).message)).toMatch(/Push is not configured/);
    await expect(
      api().automations.create({
        name: "Unreachable",
        definition: definition({
          steps: [
            { id: "a", type: "exit" },
            { id: "b", type: "tags", add: ["x"], remove: [] },
          ],
        }),
      }),
    ).rejects.toThrow(/Nothing after an exit/);
    expect((await api().automations.get({ id })).status).toBe("draft");
  });

  it("test mode runs the draft for one user at once, into the outbox only, and shows the timeline", async () => {
    const { id } = await api().automations.create({
      name: "Welcome series",
      definition: definition({
        steps: [
          { id: "hello", type: "send_in_app", subject: "Welcome", content: "Start with your first assessment" },
          { id: "w", type: "wait", minutes: 24 * 60 },
          { id: "mail", type: "send_email", templateId },
          { id: "t", type: "tags", add: ["welcomed"], remove: [] },
        ],
      }),
    });
    const count = async (table: string) =>
      (await q<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [uuid(30)]))[0]?.n;
    const [messagesBefore, metadataBefore] = [await count("crm_messages"), await count("crm_user_metadata")];
    const { runId } = await api().automations.testRun({ id, userId: uuid(30) });
    await drain();
    const { run, steps } = await api().automations.timeline({ runId });
    expect(run).toMatchObject({ status: "completed", isTest: true });
    expect(steps.map((s) => [s.stepId, s.outcome])).toEqual([
      ["hello", "sent"],
      ["w", "done"],
      ["mail", "sent"],
      ["t", "done"],
    ]);
    const outbox = await q<{ to: string[]; subject: string }>(
      "SELECT \"to\", subject FROM crm_email_outbox WHERE subject LIKE '[Test%' ORDER BY created_at",
    );
    expect(outbox).toEqual([
      { to: ["member30@example.com"], subject: "[Test · In-app] Welcome" },
      { to: ["member30@example.com"], subject: "[Test] Welcome, Member" },
    ]);
    expect([await count("crm_messages"), await count("crm_user_metadata")]).toEqual([messagesBefore, metadataBefore]);
    expect((await api().automations.report({ id })).entered).toBe(0);
  });

  it("runs as Inngest functions too: the tick advances runs and asks for delivery, the send function delivers each message once", async () => {
    // On the real clock, as Inngest runs it.
    const realCtx = () => testCtx(db.db, { type: "admin", ...admin } as AdminActor, { jobs: engineNow().port });
    const real = () => createCaller({ ...createContext(db.db, admin), svc: realCtx() });
    const { id } = await real().automations.create({
      name: "On Inngest",
      definition: definition({
        steps: [
          { id: "hi", type: "send_in_app", content: "Hello" },
          { id: "mail", type: "send_email", templateId },
        ],
      }),
    });
    await real().automations.turnOn({ id });
    await real().automations.enrol({ id, userIds: [uuid(35)] });
    const tickRun = await new InngestTestEngine({
      function: inngestFunction("automations-tick"),
      steps: [{ id: "deliver-sends", handler: () => ({ ids: [] }) }],
    }).execute({ events: [{ name: "crm/automations.tick.requested", data: { requestedBy: "test" } }] });
    expect(tickRun.error).toBeUndefined();
    expect(tickRun.result).toMatchObject({ steps: 2, queued: 1, more: false });
    const sendEvent = tickRun.ctx.step.sendEvent as unknown as { mock: { calls: unknown[][] } };
    expect(sendEvent.mock.calls[0]?.[1]).toEqual([expect.objectContaining({ name: "crm/automation.sends.requested" })]);
    const outboxBefore = (await q<{ n: number }>("SELECT count(*)::int AS n FROM crm_email_outbox"))[0]?.n ?? 0;
    for (let i = 0; i < 2; i++) {
      const sendRun = await new InngestTestEngine({ function: inngestFunction("deliver-automation-messages") }).execute({
        events: [{ name: "crm/automation.sends.requested", data: { requestedBy: "test" } }],
      });
      expect(sendRun.error).toBeUndefined();
    }
    // Delivered through the configured provider (the local outbox here), once though the function ran twice.
    const outbox = await q<{ to: string[] }>('SELECT "to" FROM crm_email_outbox ORDER BY created_at DESC LIMIT 5');
    expect(((await q<{ n: number }>("SELECT count(*)::int AS n FROM crm_email_outbox"))[0]?.n ?? 0) - outboxBefore).toBe(1);
    expect(outbox[0]?.to).toEqual(["member35@example.com"]);
    expect(await runsOf(id)).toEqual([expect.objectContaining({ user_id: uuid(35), status: "completed" })]);
  });
});
