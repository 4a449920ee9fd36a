import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as webhook } from "@/app/api/webhooks/resend/route";
import { resetEnvCache } from "@/lib/env";
import { provideDatabase } from "@/server/db";
import { ResendProvider } from "@/server/email/resend-provider";
import { campaignFunnel, trackClickRates, trackOpenRates } from "@/server/services/campaigns/campaign-report";
import { createCampaign, listCampaigns } from "@/server/services/campaigns/manage-campaigns";
import { sendToSegment } from "@/server/services/campaigns/start-campaign";
import type { AdminActor } from "@/server/services/context";
import { createSegment } from "@/server/services/segments/manage-segments";
import { startFakeResend, type TFakeResend } from "../fixtures/fake-resend-server";
import { newWebhookSecret, signWebhook } from "../fixtures/sign-webhook";
import { createAdmins } from "../helpers/admins";
import { testCtx, testEngine } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";

describe.each(engines())("provider webhooks on %s", (engine) => {
  let db: TTestDatabase;
  let fake: TFakeResend;
  let secret: string;
  let campaignId: string;
  let rows: { id: string; email: string; provider_message_id: string }[];

  const event = (
    type: string,
    r: { id: string; provider_message_id: string; email: string },
    at: string,
    extra: Record<string, unknown> = {},
  ) =>
    JSON.stringify({
      type,
      created_at: at,
      data: {
        email_id: r.provider_message_id,
        to: [r.email],
        tags: [
          { name: "campaign_id", value: campaignId },
          { name: "recipient_id", value: r.id },
        ],
        ...extra,
      },
    });
  const post = (body: string, headers: Record<string, string>) =>
    webhook(new Request("http://crm/api/webhooks/resend", { method: "POST", headers, body }));
  const send = (body: string, id?: string) => post(body, signWebhook(secret, body, { id }));
  const stored = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_provider_events"))[0]?.n;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    provideDatabase(db);
    secret = newWebhookSecret();
    process.env.RESEND_WEBHOOK_SECRET = secret;
    resetEnvCache();
    const admins = await createAdmins(db.db, `wh-${engine}`);
    const actor: AdminActor = { type: "admin", ...admins.admin };
    await db.execScript(`INSERT INTO app.users (id, email, name, created_at)
      SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'r' || i || '@example.com', 'R ' || i, now() FROM generate_series(1, 4) i`);
    const ctx = testCtx(db.db, actor);
    const seg = await createSegment({
      ctx,
      input: {
        name: "All",
        criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "name", op: "contains", value: "R" }] },
      },
    });
    const c = await createCampaign({
      ctx,
      input: { name: "Tracked", type: "email", segmentId: seg.id, subject: "Hi", content: "[Open](https://vibrationfit.com/a)" },
    });
    campaignId = c.id;
    fake = await startFakeResend();
    // Sent as an admin sends it: snapshot, then the job engine delivers through Resend's API.
    await sendToSegment({ ctx, input: { segmentId: seg.id, campaignId: c.id } });
    await testEngine(db.db, { email: new ResendProvider(fake.apiKey, fake.url) }).drain();
    rows = await db.query("SELECT id, email, provider_message_id FROM crm_campaign_tracking WHERE campaign_id = $1 ORDER BY email", [c.id]);
    expect(rows).toHaveLength(4);
  });
  afterAll(async () => {
    delete process.env.RESEND_WEBHOOK_SECRET;
    resetEnvCache();
    await fake?.close();
    await db?.drop();
  });

  it("rejects unsigned, wrongly signed, stale and malformed requests, and writes nothing", async () => {
    const [a] = rows as [(typeof rows)[number]];
    const body = event("email.delivered", a, new Date().toISOString());
    expect((await post(body, { "content-type": "application/json" })).status).toBe(401);
    expect((await post(body, signWebhook(newWebhookSecret(), body))).status).toBe(401);
    expect((await post(body, signWebhook(secret, body, { timestamp: Math.floor(Date.now() / 1000) - 600 }))).status).toBe(401);
    const tampered = signWebhook(secret, body);
    expect((await post(body.replace("delivered", "clicked"), tampered)).status).toBe(401);
    expect((await send("not json")).status).toBe(400);
    const unknown = JSON.stringify({ type: "email.teleported", created_at: new Date().toISOString(), data: { email_id: "x" } });
    const res = await send(unknown);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("type");
    expect(await stored()).toBe(0);
  });

  it("applies each event once, and ends in the same state whatever the order", async () => {
    const [a, b] = rows as [(typeof rows)[number], (typeof rows)[number]];
    const t = (m: number) => new Date(Date.UTC(2026, 10, 27, 10, m)).toISOString();
    const click = { click: { link: "https://vibrationfit.com/a" } };
    // a: in order; b: the same events, backwards; b's open is also delivered twice.
    const forA = [
      event("email.delivered", a, t(1)),
      event("email.opened", a, t(2)),
      event("email.opened", a, t(3)),
      event("email.clicked", a, t(4), click),
    ];
    const forB = [
      event("email.delivered", b, t(1)),
      event("email.opened", b, t(2)),
      event("email.opened", b, t(3)),
      event("email.clicked", b, t(4), click),
    ];
    for (const e of forA) expect((await send(e)).status).toBe(200);
    const ids = forB.map((_, i) => `msg_b_${i}`);
    for (let i = forB.length - 1; i >= 0; i--) expect((await send(forB[i] as string, ids[i])).status).toBe(200);
    const again = await send(forB[1] as string, ids[1]);
    expect(await again.json()).toEqual({ ok: true, duplicate: true });
    const state = await db.query<Record<string, unknown>>(
      `SELECT email, status, delivered_at, first_opened_at, open_count, first_clicked_at, click_count FROM crm_campaign_tracking
       WHERE id IN ($1, $2) ORDER BY email`,
      [a.id, b.id],
    );
    const strip = ({ email: _e, ...rest }: Record<string, unknown>) => rest;
    expect(strip(state[0] as Record<string, unknown>)).toEqual(strip(state[1] as Record<string, unknown>));
    expect(state[0]).toMatchObject({ status: "clicked", open_count: 2, click_count: 1 });
  });

  it("suppresses hard bounces and complaints, not soft bounces", async () => {
    const [, , c, d] = rows as [(typeof rows)[number], (typeof rows)[number], (typeof rows)[number], (typeof rows)[number]];
    const now = new Date().toISOString();
    await send(event("email.bounced", c, now, { bounce: { type: "Transient" } }));
    expect(await db.query("SELECT 1 FROM crm_suppressions WHERE email = $1", [c.email])).toEqual([]);
    await send(event("email.bounced", c, now, { bounce: { type: "Permanent" } }));
    await send(event("email.complained", d, now));
    expect(await db.query("SELECT email, reason FROM crm_suppressions ORDER BY email")).toEqual([
      { email: c.email, reason: "bounced" },
      { email: d.email, reason: "complained" },
    ]);
  });

  it("reports the funnel and the open and click rates, per hour and per link", async () => {
    const funnel = await campaignFunnel({ ctx: testCtx(db.db), input: { id: campaignId } });
    expect(funnel).toMatchObject({ recipients: 4, sent: 4, delivered: 2, opened: 2, clicked: 2, bounced: 1, complained: 1, failed: 0 });
    expect(funnel.openRate).toBe(1);
    const opens = await trackOpenRates({ ctx: testCtx(db.db), input: { id: campaignId } });
    expect(opens).toMatchObject({ uniqueOpens: 2, delivered: 2 });
    expect(opens.series).toEqual([{ hour: new Date("2026-11-27T10:00:00.000Z"), total: 4, unique: 2 }]);
    const clicks = await trackClickRates({ ctx: testCtx(db.db), input: { id: campaignId } });
    expect(clicks.links).toEqual([{ link: "https://vibrationfit.com/a", total: 2, unique: 2 }]);
    const [listed] = (await listCampaigns({ ctx: testCtx(db.db), input: undefined })).filter((c) => c.id === campaignId);
    expect(listed).toMatchObject({ delivered: 2, opened: 2, clicked: 2, openRate: 1, clickRate: 1 });
  });
});
