import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provideDatabase } from "@/server/db";
import { recomputeSegment } from "@/server/services/segments/recompute-segment";
import type { TCriteria } from "@/shared/criteria/schema";
import { inngestFunction } from "~inngest/functions";
import { callerFor, createAdmins } from "../helpers/admins";
import { testCtx, testEngine } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

const DAY = 86_400_000;
const ago = (d: number) => new Date(Date.now() - d * DAY).toISOString();
const paidPro: TCriteria = {
  type: "group",
  match: "all",
  conditions: [
    { type: "condition", field: "plan", op: "in", values: ["pro"] },
    { type: "condition", field: "event", name: "assessment.completed", days: 14, op: "has_not" },
  ],
};

describe.each(engines())("segments on %s", (engine) => {
  let db: TTestDatabase;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  const admin = () => callerFor(db.db, admins.admin);
  const members = async (segmentId: string) =>
    (
      await db.query<{ user_id: string }>("SELECT user_id FROM crm_segment_members WHERE segment_id = $1 ORDER BY user_id", [segmentId])
    ).map((r) => r.user_id);
  const history = async (segmentId: string) =>
    db.query<{ user_id: string; change: string }>(
      "SELECT user_id, change FROM crm_segment_membership_history WHERE segment_id = $1 ORDER BY id",
      [segmentId],
    );

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    admins = await createAdmins(db.db, `seg-${engine}`);
    await insertSourceRows(db, {
      users: [1, 2, 3, 4].map((i) => ({
        id: uuid(i),
        email: `u${i}@example.com`,
        name: `User ${i}`,
        created_at: ago(100 - i),
        last_active_at: ago(1),
      })),
      subscriptions: [1, 2, 3].map((i) => ({
        user_id: uuid(i),
        plan: "pro",
        status: "active",
        price: 20,
        interval: "month",
        started_at: ago(50),
        canceled_at: null,
      })),
      events: [{ user_id: uuid(3), name: "assessment.completed", properties: {}, occurred_at: ago(2) }],
    });
  });
  afterAll(async () => db?.drop());

  it("previews the count and a sample without saving, and saves with members computed", async () => {
    const preview = await admin().segments.preview({ criteria: paidPro });
    expect(preview.count).toBe(2);
    expect(preview.sample.map((u) => u.id)).toEqual([uuid(2), uuid(1)]);
    expect(await db.query("SELECT 1 FROM crm_user_segments")).toEqual([]);

    const created = await admin().segments.create({ name: "Pro, no assessment in 14 days", criteria: paidPro });
    expect(created.userCount).toBe(2);
    expect(await members(created.id)).toEqual([uuid(1), uuid(2)]);
    expect(await history(created.id)).toEqual([
      { user_id: uuid(1), change: "entered" },
      { user_id: uuid(2), change: "entered" },
    ]);
    const got = await callerFor(db.db, admins.viewer).segments.get({ id: created.id });
    expect(got).toMatchObject({ name: "Pro, no assessment in 14 days", userCount: 2, criteria: paidPro });
    expect(got.countHistory.map((c) => c.userCount)).toEqual([2]);
    expect(got.lastComputedAt).toBeInstanceOf(Date);
    // The users list filters by membership.
    const listed = await callerFor(db.db, admins.viewer).users.list({ filters: { segmentId: created.id } });
    expect(listed.items.map((u) => u.id)).toEqual([uuid(2), uuid(1)]);
  });

  it("writes only the difference on recompute and records entries and exits", async () => {
    const { id } = await admin().segments.create({ name: "diff", criteria: paidPro });
    const before = await db.query<{ entered_at: string }>(
      "SELECT entered_at::text FROM crm_segment_members WHERE segment_id = $1 AND user_id = $2",
      [id, uuid(1)],
    );
    // User 1 does an assessment (exits), user 4 subscribes to pro (enters), user 2 is unchanged.
    await insertSourceRows(db, {
      events: [{ user_id: uuid(1), name: "assessment.completed", properties: {}, occurred_at: ago(0.5) }],
      subscriptions: [
        { user_id: uuid(4), plan: "pro", status: "active", price: 20, interval: "month", started_at: ago(0.5), canceled_at: null },
      ],
    });
    const result = await recomputeSegment({ ctx: testCtx(db.db), input: { segmentId: id } });
    expect(result).toMatchObject({ entered: 1, exited: 1, userCount: 2 });
    expect(await members(id)).toEqual([uuid(2), uuid(4)]);
    expect((await history(id)).slice(2)).toEqual([
      { user_id: uuid(4), change: "entered" },
      { user_id: uuid(1), change: "exited" },
    ]);
    // User 2's row was not rewritten.
    const after = await db.query<{ entered_at: string }>(
      "SELECT entered_at::text FROM crm_segment_members WHERE segment_id = $1 AND user_id = $2",
      [id, uuid(2)],
    );
    expect(after).toHaveLength(1);
    expect(before).toHaveLength(1);
    const again = await recomputeSegment({ ctx: testCtx(db.db), input: { segmentId: id } });
    expect(again).toMatchObject({ entered: 0, exited: 0, userCount: 2 });
    expect(await history(id)).toHaveLength(4);
    const got = await admin().segments.get({ id });
    expect(got.countHistory.map((c) => [c.userCount, c.entered, c.exited])).toEqual([
      [2, 2, 0],
      [2, 1, 1],
    ]);
    expect(got.recentChanges.map((c) => [c.email, c.change])).toEqual([
      ["u1@example.com", "exited"],
      ["u4@example.com", "entered"],
      ["u2@example.com", "entered"],
      ["u1@example.com", "entered"],
    ]);
    // The profile's timeline shows the segment changes.
    expect((await admin().users.get({ userId: uuid(4) })).segments.map((s) => s.name)).toContain("diff");
    expect((await admin().users.get({ userId: uuid(1) })).segments.map((s) => s.name)).not.toContain("diff");
    const timeline = await admin().users.timeline({ userId: uuid(1), kinds: ["segment"] });
    expect(timeline.items.map((e) => e.title)).toContain("Left segment diff");
  });

  it("keeps membership consistent under concurrent recomputes of one segment", async () => {
    const { id } = await admin().segments.create({ name: "concurrent", criteria: paidPro });
    await db.execScript(`DELETE FROM crm_segment_members WHERE segment_id = '${id}'`);
    const results = await Promise.all([1, 2, 3, 4].map(() => recomputeSegment({ ctx: testCtx(db.db), input: { segmentId: id } })));
    expect(results.reduce((a, r) => a + r.entered, 0)).toBe(2);
    expect(await members(id)).toEqual([uuid(2), uuid(4)]);
    const entries = (await history(id)).filter((h) => h.change === "entered");
    expect(entries).toHaveLength(4); // 2 at creation, 2 after the delete: never doubled
  });

  it("refuses cycles, missing references and bad criteria with a clear message", async () => {
    const a = await admin().segments.create({ name: "A", criteria: paidPro });
    const b = await admin().segments.create({
      name: "B",
      criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "segment", op: "member", segmentId: a.id }] },
    });
    expect(b.userCount).toBe(2);
    await expect(
      admin().segments.update({
        id: a.id,
        criteria: { type: "group", match: "any", conditions: [{ type: "condition", field: "segment", op: "member", segmentId: b.id }] },
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Segments cannot refer to each other in a loop: this segment → “B” → this segment",
    });
    await expect(
      admin().segments.preview({
        criteria: {
          type: "group",
          match: "all",
          conditions: [{ type: "condition", field: "segment", op: "member", segmentId: uuid(777) }],
        },
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("does not exist") });
    await expect(
      admin().segments.create({
        name: "bad",
        criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "nope" }] } as never,
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Unknown field") });
    await expect(admin().segments.delete({ id: a.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "“B” uses “A” in its criteria. Change it first.",
    });
    await expect(callerFor(db.db, admins.viewer).segments.create({ name: "x", criteria: paidPro })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("refuses to delete a segment a scheduled or sending campaign uses, and deletes it otherwise", async () => {
    const { id } = await admin().segments.create({ name: "Launch audience", criteria: paidPro });
    await db.query(
      "INSERT INTO crm_campaigns (name, type, content, segment_id, status) VALUES ('Spring launch', 'email', 'Hi', $1, 'scheduled')",
      [id],
    );
    await expect(admin().segments.delete({ id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "“Launch audience” is the audience of “Spring launch” (scheduled). Cancel or finish that campaign first.",
    });
    await db.query("UPDATE crm_campaigns SET status = 'sent' WHERE segment_id = $1", [id]);
    const other = await admin().segments.create({ name: "Other audience", criteria: paidPro });
    expect((await members(id)).length).toBeGreaterThan(0);
    expect((await history(id)).length).toBeGreaterThan(0);
    const otherMembers = await members(other.id);
    expect(otherMembers.length).toBeGreaterThan(0);
    await admin().segments.delete({ id });
    expect(await db.query("SELECT 1 FROM crm_user_segments WHERE id = $1", [id])).toEqual([]);
    // Its members and history go with it (a trigger, not a foreign key's cascade); another segment's stay.
    expect(await members(id)).toEqual([]);
    expect(await history(id)).toEqual([]);
    expect(await members(other.id)).toEqual(otherMembers);
    expect((await history(other.id)).length).toBe(otherMembers.length);
    await admin().segments.delete({ id: other.id });
    const audit = await db.query<{ action: string }>(
      "SELECT action FROM crm_audit_log WHERE target_type = 'segment' AND target_id = $1 ORDER BY id",
      [id],
    );
    expect(audit.map((r) => r.action)).toEqual(["segment.created", "segment.deleted"]);
  });

  it("duplicates a segment with its criteria and members", async () => {
    const { id } = await admin().segments.create({ name: "Original", criteria: paidPro });
    const copy = await admin().segments.duplicate({ id });
    expect(copy).toMatchObject({ name: "Copy of Original", userCount: 2 });
    expect(await members(copy.id)).toEqual(await members(id));
  });

  it("recomputes every segment through the job engine (fan-out, one job per segment), and as Inngest functions", async () => {
    provideDatabase(db);
    const segmentCount = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_user_segments"))[0]?.n ?? 0;
    expect(segmentCount).toBeGreaterThan(3);
    await db.execScript("DELETE FROM crm_segment_members");
    await callerFor(db.db, admins.admin).segments.recompute({ id: null });
    await testEngine(db.db).drain();
    const [computed] = await db.query<{ n: number }>("SELECT count(DISTINCT segment_id)::int AS n FROM crm_segment_members");
    expect(computed?.n).toBeGreaterThan(3);
    const runs = await db.query<{ job_id: string; last_status: string }>(
      "SELECT job_id, last_status FROM crm_job_runs WHERE job_id IN ('recompute-segments', 'recompute-segment') ORDER BY job_id",
    );
    expect(runs).toEqual([
      { job_id: "recompute-segment", last_status: "ok" },
      { job_id: "recompute-segments", last_status: "ok" },
    ]);
    const all = { recomputed: segmentCount };

    const fanOut = new InngestTestEngine({
      function: inngestFunction("recompute-segments"),
      steps: [{ id: "fan-out-segment-recomputes", handler: () => ({ ids: [] }) }],
    });
    const { result, error, ctx } = await fanOut.execute({
      events: [{ name: "crm/segments.recompute.requested", data: { requestedBy: "test" } }],
    });
    expect(error).toBeUndefined();
    expect(result).toEqual({ requested: all.recomputed });
    const sendEvent = ctx.step.sendEvent as unknown as { mock: { calls: unknown[][] } };
    const sent = sendEvent.mock.calls[0]?.[1] as { name: string; data: { segmentId: string } }[];
    expect(sent).toHaveLength(all.recomputed);
    expect(sent[0]?.name).toBe("crm/segment.recompute.requested");

    const { id } = await admin().segments.create({ name: "via inngest", criteria: paidPro });
    await db.execScript(`DELETE FROM crm_segment_members WHERE segment_id = '${id}'`);
    const one = new InngestTestEngine({ function: inngestFunction("recompute-segment") });
    const run = await one.execute({ events: [{ name: "crm/segment.recompute.requested", data: { segmentId: id, requestedBy: "test" } }] });
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ segmentId: id, entered: 2, exited: 0, userCount: 2 });
    expect(await members(id)).toEqual([uuid(2), uuid(4)]);
  });
});
