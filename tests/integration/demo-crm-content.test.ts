import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provideDatabase } from "@/server/db";
import { generateDemoData } from "@/server/services/demo-data/generate-demo-data";
import { seedDemoCrmContent } from "@/server/services/demo-data/seed-crm-content";
import { callerFor, createAdmins } from "../helpers/admins";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

/** The embedded default's first start: demo users, then the CRM's own demo content, made through the services. */
describe("demo CRM content", () => {
  let db: TTestDatabase;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    provideDatabase(db);
    await generateDemoData(db, { users: 400, days: 365, seed: 42, anchor: new Date(), schema: "app", chunkSize: 200 });
    admins = await createAdmins(db.db, "demo");
    const owner = { type: "admin" as const, ...admins.owner };
    expect(await seedDemoCrmContent({ ctx: testCtx(db.db, owner) })).toMatchObject({ skipped: false });
  });
  afterAll(async () => db?.drop());

  it("gives every page something true to show", async () => {
    const viewer = callerFor(db.db, admins.viewer);
    const segments = await viewer.segments.list();
    expect(segments.map((s) => s.name).sort()).toEqual(["Dormant 30 days", "Free users heavy on AI", "Paying members"]);
    for (const s of segments) expect(s.userCount).toBeGreaterThan(0);
    expect((await viewer.messaging.templates.list()).map((t) => t.name).sort()).toEqual(["Weekly check-in", "Welcome"]);
    expect((await viewer.automations.list()).map((a) => [a.name, a.status]).sort()).toEqual([
      ["Failed payment", "draft"],
      ["Stuck in the intensive", "live"],
      ["Welcome series", "live"],
    ]);

    const campaigns = await viewer.messaging.campaigns.list();
    expect(campaigns.map((c) => [c.type, c.status]).sort()).toEqual([
      ["email", "scheduled"],
      ["email", "sent"],
      ["in_app", "sent"],
    ]);
    const email = campaigns.find((c) => c.type === "email" && c.status === "sent");
    const funnel = await viewer.messaging.campaigns.funnel({ id: email?.id ?? "" });
    // What the provider reported back: most delivered, some opened and clicked, a few bounced.
    expect(funnel.delivered).toBeGreaterThan(funnel.recipients * 0.9);
    expect(funnel.opened).toBeGreaterThan(0);
    expect(funnel.clicked).toBeGreaterThan(0);
    expect(funnel.clicked).toBeLessThan(funnel.opened);
    expect(funnel.bounced).toBeGreaterThan(0);
    const inApp = campaigns.find((c) => c.type === "in_app");
    expect((await viewer.messaging.campaigns.funnel({ id: inApp?.id ?? "" })).opened).toBeGreaterThan(0);

    const conversations = await viewer.messaging.directMessages.conversations({});
    expect(conversations.filter((c) => c.unread > 0)).toHaveLength(3);
    const noted = await db.query<{ tags: string[]; priority: string }>(
      "SELECT tags, priority FROM crm_user_metadata WHERE notes LIKE 'Asked about annual%' OR notes LIKE 'Audio did not start%' OR notes LIKE 'Happy to try%' ORDER BY priority",
    );
    expect(noted.map((n) => n.priority)).toEqual(["high", "medium", "vip"]);
  });

  it("is made once: a second start adds nothing", async () => {
    const owner = { type: "admin" as const, ...admins.owner };
    expect(await seedDemoCrmContent({ ctx: testCtx(db.db, owner) })).toEqual({ skipped: true });
    expect(await callerFor(db.db, admins.viewer).messaging.campaigns.list()).toHaveLength(3);
  });
});
