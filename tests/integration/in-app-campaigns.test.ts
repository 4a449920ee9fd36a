import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as clickRoute } from "@/app/api/v1/users/[userId]/messages/[messageId]/click/route";
import { POST as readRoute } from "@/app/api/v1/users/[userId]/messages/[messageId]/read/route";
import { GET as listMessagesRoute } from "@/app/api/v1/users/[userId]/messages/route";
import { POST as replyRoute } from "@/app/api/v1/users/[userId]/replies/route";
import { provideDatabase } from "@/server/db";
import { callerFor, createAdmins } from "../helpers/admins";
import { testEngine } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

type TApiMessage = { id: string; subject: string | null; content: string; createdAt: string; readAt: string | null };

describe.each(engines())("in-app campaigns on %s", (engine) => {
  let db: TTestDatabase;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  let auth: { authorization: string };
  let campaignId: string;
  let segmentId: string;
  const admin = () => callerFor(db.db, admins.admin);
  const inbox = async (userId: string, query = "") => {
    const res = await listMessagesRoute(new Request(`http://crm/api/v1/users/${userId}/messages${query}`, { headers: auth }), {
      params: Promise.resolve({ userId }),
    });
    return { status: res.status, body: (await res.json()) as { data: TApiMessage[]; error?: { message: string } } };
  };
  const post = (route: typeof readRoute, userId: string, messageId: string, body?: unknown) =>
    route(
      new Request("http://crm/x", {
        method: "POST",
        headers: { ...auth, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
      { params: Promise.resolve({ userId, messageId }) },
    );

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    provideDatabase(db);
    admins = await createAdmins(db.db, `inapp-${engine}`);
    await insertSourceRows(db, {
      users: [
        { id: uuid(1), email: "ana@example.com", name: "Ana Lima", created_at: "2026-01-01T00:00:00Z", last_active_at: null },
        // A name that looks like a variable and markup stays text.
        {
          id: uuid(2),
          email: "odd@example.com",
          name: '{{user.email}} <b>"x"</b>',
          created_at: "2026-01-02T00:00:00Z",
          last_active_at: null,
        },
        { id: uuid(3), email: "noname@example.com", name: null, created_at: "2026-01-03T00:00:00Z", last_active_at: null },
      ],
    });
    const { key } = await callerFor(db.db, admins.owner).messaging.apiKeys.create({ name: "main app" });
    auth = { authorization: `Bearer ${key}` };
    const seg = await admin().segments.create({
      name: "Everyone",
      criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "email", op: "contains", value: "@" }] },
    });
    segmentId = seg.id;
    const c = await admin().messaging.campaigns.create({
      name: "Winter nudge",
      type: "in_app",
      segmentId: seg.id,
      subject: "For {{user.firstName}}",
      content: 'Hi {{user.firstName | "friend"}}, your plan is {{user.plan}}.',
    });
    campaignId = c.id;
    await admin().messaging.campaigns.sendToSegment({ segmentId: seg.id, campaignId });
    await testEngine(db.db).drain();
  });
  afterAll(async () => db?.drop());

  it("personalises each user's copy as plain text, in one pass", async () => {
    expect((await inbox(uuid(1))).body.data.map((m) => [m.subject, m.content])).toEqual([["For Ana", "Hi Ana, your plan is free."]]);
    expect((await inbox(uuid(2))).body.data[0]?.content).toBe("Hi {{user.email}}, your plan is free.");
    expect((await inbox(uuid(3))).body.data[0]).toMatchObject({ subject: "For", content: "Hi friend, your plan is free." });
    const funnel = await admin().messaging.campaigns.funnel({ id: campaignId });
    expect(funnel).toMatchObject({ recipients: 3, sent: 3, delivered: 3, opened: 0, clicked: 0 });
  });

  it("refuses unknown variables before anything is sent", async () => {
    const bad = await admin().messaging.campaigns.create({ name: "Typo", type: "in_app", segmentId, content: "Hi {{user.shoeSize}}" });
    await expect(admin().messaging.campaigns.schedule({ id: bad.id, localTime: "2030-01-01T09:00", timezone: "UTC" })).rejects.toThrow(
      /Unknown variable \{\{user.shoeSize\}\}/,
    );
  });

  it("keeps campaign copies out of Messages; a user's reply opens a conversation", async () => {
    expect(await admin().messaging.directMessages.conversations({})).toEqual([]);
    const reply = await replyRoute(
      new Request("http://crm/x", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: '{"content":"Thanks!"}',
      }),
      { params: Promise.resolve({ userId: uuid(1) }) },
    );
    expect(reply.status).toBe(201);
    expect(await admin().messaging.directMessages.conversations({})).toEqual([
      expect.objectContaining({ userId: uuid(1), unread: 1, lastContent: "Thanks!" }),
    ]);
  });

  it("counts the main app's reads and clicks in the campaign's report, once per user", async () => {
    const [ana] = (await inbox(uuid(1))).body.data.filter((m) => m.subject === "For Ana");
    const [odd] = (await inbox(uuid(2))).body.data;
    if (!ana || !odd) throw new Error("no copies");
    expect((await post(readRoute, uuid(1), ana.id)).status).toBe(200);
    expect((await post(readRoute, uuid(1), ana.id)).status).toBe(200); // twice: still one read
    const click = await post(clickRoute, uuid(2), odd.id, { link: "https://vibrationfit.com/intensive" });
    expect(click.status).toBe(200);
    expect(((await click.json()) as { data: { readAt: string } }).data.readAt).toBeTruthy(); // a click implies a read
    expect((await post(clickRoute, uuid(2), odd.id)).status).toBe(200); // a second click, no link

    const funnel = await admin().messaging.campaigns.funnel({ id: campaignId });
    expect(funnel).toMatchObject({ delivered: 3, opened: 2, clicked: 1, openRate: 2 / 3, clickRate: 1 / 3 });
    const clicks = await admin().messaging.campaigns.clickRates({ id: campaignId });
    expect(clicks.links).toEqual([{ link: "https://vibrationfit.com/intensive", total: 1, unique: 1 }]);
    expect((await admin().messaging.campaigns.openRates({ id: campaignId })).uniqueOpens).toBe(2);
    const recipients = await admin().messaging.campaigns.recipients({ id: campaignId, filter: "clicked" });
    expect(recipients.items).toEqual([
      expect.objectContaining({ userId: uuid(2), clickCount: 2, links: ["https://vibrationfit.com/intensive"] }),
    ]);

    // Refused: no API key, a foreign link scheme, another user's message.
    const anonymous = await clickRoute(new Request("http://crm/x", { method: "POST" }), {
      params: Promise.resolve({ userId: uuid(1), messageId: ana.id }),
    });
    expect(anonymous.status).toBe(401);
    expect((await post(clickRoute, uuid(1), ana.id, { link: "javascript:alert(1)" })).status).toBe(400);
    expect((await post(clickRoute, uuid(1), odd.id)).status).toBe(404);
    expect((await admin().messaging.campaigns.funnel({ id: campaignId })).clicked).toBe(1);
  });

  it("lets the main app fetch only what is new since a time", async () => {
    const all = (await inbox(uuid(1))).body.data;
    expect(all.length).toBeGreaterThanOrEqual(2);
    const newest = all[0]?.createdAt ?? "";
    const later = new Date(Date.parse(newest) + 60_000).toISOString();
    expect((await inbox(uuid(1), `?since=${encodeURIComponent(later)}`)).body.data).toEqual([]);
    expect((await inbox(uuid(1), "?since=2020-01-01T00:00:00Z")).body.data.map((m) => m.id)).toEqual(all.map((m) => m.id));
    // Sent after the poll: found by the next one.
    await admin().messaging.directMessages.send({ userId: uuid(1), content: "One more thing", channels: ["in_app"] });
    expect((await inbox(uuid(1), `?since=${encodeURIComponent(newest)}`)).body.data.map((m) => m.content)).toContain("One more thing");
    const bad = await inbox(uuid(1), "?since=yesterday");
    expect(bad.status).toBe(400);
  });
});
