import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as webhook } from "@/app/api/webhooks/resend/route";
import { resetEnvCache } from "@/lib/env";
import { provideDatabase } from "@/server/db";
import { ResendProvider } from "@/server/email/resend-provider";
import { applyProviderEvents, ZProviderEvent } from "@/server/services/campaigns/apply-provider-event";
import { listCampaignRecipients, startRecipientsExport } from "@/server/services/campaigns/campaign-recipients";
import { campaignFunnel, trackClickRates, trackOpenRates } from "@/server/services/campaigns/campaign-report";
import { createCampaign, listCampaigns } from "@/server/services/campaigns/manage-campaigns";
import { sendToSegment } from "@/server/services/campaigns/start-campaign";
import type { AdminActor } from "@/server/services/context";
import { getConversation, sendMessage } from "@/server/services/messaging/direct-messages";
import { createSegment } from "@/server/services/segments/manage-segments";
import { getUserEmailHistory } from "@/server/services/users/get-user-email-history";
import { getUserTimeline } from "@/server/services/users/get-user-timeline";
import type { TNode } from "@/shared/criteria/schema";
import type { RECIPIENT_FILTERS } from "@/shared/schemas/campaigns";
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
  let rows: { id: string; email: string; provider_message_id: string; user_id: string }[];
  let actor: AdminActor;

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
    actor = { type: "admin", ...admins.admin };
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
    rows = await db.query(
      "SELECT id, email, provider_message_id, user_id FROM crm_campaign_tracking WHERE campaign_id = $1 ORDER BY email",
      [c.id],
    );
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
    // An event the CRM applies, signed but missing what it needs: 400, naming the field.
    const res = await send(JSON.stringify({ type: "email.delivered", created_at: new Date().toISOString(), data: {} }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("email_id");
    expect(await stored()).toBe(0);
  });

  it("stores well-signed events of types it does not act on and answers 200, so the provider never retries them", async () => {
    const before = await db.query("SELECT id, status FROM crm_campaign_tracking ORDER BY id");
    for (const type of ["email.teleported", "domain.updated", "contact.created"]) {
      const body = JSON.stringify({ type, created_at: new Date().toISOString(), data: { id: "x", email_id: "whatever" } });
      const res = await send(body, `msg_unknown_${type}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, ignored: true, duplicate: false });
      // Redelivered: still 200, stored once.
      expect(await (await send(body, `msg_unknown_${type}`)).json()).toEqual({ ok: true, ignored: true, duplicate: true });
    }
    expect(await db.query("SELECT type FROM crm_provider_events WHERE svix_id LIKE 'msg_unknown_%' ORDER BY type")).toEqual([
      { type: "contact.created" },
      { type: "domain.updated" },
      { type: "email.teleported" },
    ]);
    expect(await db.query("SELECT id, status FROM crm_campaign_tracking ORDER BY id")).toEqual(before);
    await db.query("DELETE FROM crm_provider_events WHERE svix_id LIKE 'msg_unknown_%'");
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
  it("lists recipients by funnel stage, searched and paged by keyset, with what each did, and exports them", async () => {
    const ctx = testCtx(db.db);
    const list = async (filter: (typeof RECIPIENT_FILTERS)[number], more: { search?: string; limit?: number; cursor?: string } = {}) =>
      listCampaignRecipients({ ctx, input: { id: campaignId, filter, ...more } });
    const emails = async (filter: (typeof RECIPIENT_FILTERS)[number], search?: string) =>
      (await list(filter, { search })).items.map((r) => r.email);
    const [a, b, c, d] = rows.map((r) => r.email) as [string, string, string, string];
    expect(await emails("all")).toEqual([a, b, c, d]);
    expect(await emails("opened")).toEqual([a, b]);
    expect(await emails("clicked")).toEqual([a, b]);
    expect(await emails("bounced")).toEqual([c]);
    expect(await emails("complained")).toEqual([d]);
    expect(await emails("not_opened")).toEqual([d]);
    expect(await emails("queued")).toEqual([]);
    expect(await emails("all", c.toUpperCase().slice(0, 2))).toEqual([c]);
    expect(await emails("all", "%")).toEqual([]);
    expect(await emails("all", "r 4")).toEqual([d]); // by name
    expect(await emails("opened", "r 4")).toEqual([]);
    // Each filter's count is the funnel's number for that stage.
    const funnel = await campaignFunnel({ ctx, input: { id: campaignId } });
    for (const stage of ["sent", "delivered", "opened", "clicked", "bounced", "complained", "failed", "unsubscribed"] as const)
      expect((await list(stage)).items.length, stage).toBe(funnel[stage]);

    const [first] = (await list("clicked")).items;
    expect(first).toMatchObject({
      email: a,
      name: "R 1",
      status: "clicked",
      openCount: 2,
      clickCount: 1,
      links: ["https://vibrationfit.com/a"],
    });
    expect(first?.firstOpenedAt?.toISOString()).toBe("2026-11-27T10:02:00.000Z");
    expect((await list("bounced")).items[0]).toMatchObject({ reason: "Permanent", bouncedAt: expect.any(Date) });

    // One row per page: every recipient once, in order, and the last page says there is no next one.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list("all", { limit: 1, cursor });
      seen.push(...page.items.map((r) => r.email));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([a, b, c, d]);
    await expect(list("all", { cursor: "not-a-cursor" })).rejects.toThrow(/cursor is not valid/);
    await expect(listCampaignRecipients({ ctx, input: { id: "00000000-0000-4000-8000-000000000999", filter: "all" } })).rejects.toThrow(
      /does not exist/,
    );
    await expect(list("everyone" as never)).rejects.toThrow();

    const exported = await startRecipientsExport({ ctx: testCtx(db.db, actor), input: { id: campaignId, filter: "opened" } });
    let csv = "";
    for await (const chunk of exported.rows) csv += chunk;
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "email,user_id,name,status,sent_at,delivered_at,first_opened_at,open_count,first_clicked_at,click_count,links_clicked,bounced_at,complained_at,failed_at,unsubscribed,reason",
    );
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual([a, b]);
    expect(lines[1]).toContain(",2026-11-27T10:02:00.000Z,2,2026-11-27T10:04:00.000Z,1,https://vibrationfit.com/a,");
    expect(await db.query("SELECT action, target_id FROM crm_audit_log WHERE action = 'campaign.recipients_exported'")).toEqual([
      { action: "campaign.recipients_exported", target_id: campaignId },
    ]);
  });

  it("lists as unsubscribed exactly the recipients whose address unsubscribed after the campaign reached it, whatever its case", async () => {
    const ctx = testCtx(db.db);
    const [c] = await db.query<{ id: string }>(
      "INSERT INTO crm_campaigns (name, type, status) VALUES ('Unsubscribes', 'email', 'sent') RETURNING id",
    );
    const id = c?.id as string;
    const sent = "2026-11-20T10:00:00Z";
    // address, sent (null: still queued), the suppression's reason and time (null: none)
    const cases: [string, string | null, string | null, string | null][] = [
      ["u1@example.com", sent, "unsubscribed", "2026-11-20T11:00:00Z"], // yes
      ["U2@Example.com", sent, "unsubscribed", "2026-11-21T09:00:00Z"], // yes: stored with capitals, unsubscribed in lower case
      ["u3@example.com", sent, "unsubscribed", "2026-11-19T10:00:00Z"], // no: before the campaign reached it
      ["u4@example.com", sent, "bounced", "2026-11-20T11:00:00Z"], // no: bounced
      ["u5@example.com", null, "unsubscribed", "2026-11-20T11:00:00Z"], // no: never sent
      ["a0@example.com", sent, "unsubscribed", "2026-11-20T10:00:00Z"], // yes: the same instant counts
      ["Zz@Example.com", sent, "unsubscribed", "2026-11-22T10:00:00Z"], // yes
      ["b7@example.com", sent, null, null], // no: not suppressed
    ];
    for (const [i, [email, sentAt, reason, at]] of cases.entries()) {
      const userId = `00000000-0000-4000-8000-0000000001${String(i).padStart(2, "0")}`;
      await db.query("INSERT INTO app.users (id, email, name, created_at) VALUES ($1, $2, $3, now())", [userId, email, `Unsub ${i}`]);
      await db.query("INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, sent_at) VALUES ($1, $2, $3, $4, $5)", [
        id,
        userId,
        email,
        sentAt ? "sent" : "queued",
        sentAt,
      ]);
      if (reason)
        await db.query("INSERT INTO crm_suppressions (email, user_id, reason, created_at) VALUES ($1, $2, $3, $4)", [
          email.toLowerCase(),
          userId,
          reason,
          at,
        ]);
    }
    // Another campaign reached u1 too, after the unsubscribe: not in this list, not unsubscribed in that one.
    await db.query("INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, sent_at) VALUES ($1, $2, $3, 'sent', $4)", [
      campaignId,
      "00000000-0000-4000-8000-000000000100",
      "u1@example.com",
      "2026-11-23T10:00:00Z",
    ]);
    const list = (more: { filter?: (typeof RECIPIENT_FILTERS)[number]; search?: string; limit?: number; cursor?: string }) =>
      listCampaignRecipients({ ctx, input: { id, filter: "unsubscribed", ...more } });
    const yes = new Set(["u1@example.com", "U2@Example.com", "a0@example.com", "Zz@Example.com"]);
    const inOrder = (await list({ filter: "all" })).items.map((r) => r.email).filter((e) => yes.has(e));
    expect(inOrder).toHaveLength(4);
    const listed = (await list({})).items;
    expect(listed.map((r) => r.email)).toEqual(inOrder);
    expect(listed.every((r) => r.unsubscribed)).toBe(true);
    // Paged one by one (each page starts after the last address, in either part), the same rows in the same order.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ limit: 1, cursor });
      seen.push(...page.items.map((r) => r.email));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(inOrder);
    expect((await list({ search: "u2@" })).items.map((r) => r.email)).toEqual(["U2@Example.com"]);
    expect((await list({ search: "u3@" })).items).toEqual([]);
    expect((await campaignFunnel({ ctx, input: { id } })).unsubscribed).toBe(4);
    expect((await listCampaignRecipients({ ctx, input: { id: campaignId, filter: "unsubscribed" } })).items).toEqual([]);
    let csv = "";
    for await (const chunk of (await startRecipientsExport({ ctx: testCtx(db.db, actor), input: { id, filter: "unsubscribed" } })).rows)
      csv += chunk;
    expect(
      csv
        .trim()
        .split("\r\n")
        .slice(1)
        .map((line) => line.split(",")[0]),
    ).toEqual(inOrder);
    await db.query("DELETE FROM crm_campaign_tracking WHERE user_id::text LIKE '00000000-0000-4000-8000-0000000001%'");
    await db.query("DELETE FROM crm_suppressions WHERE user_id::text LIKE '00000000-0000-4000-8000-0000000001%'");
    await db.query("DELETE FROM app.users WHERE id::text LIKE '00000000-0000-4000-8000-0000000001%'");
    await db.query("DELETE FROM crm_campaigns WHERE id = $1", [id]);
  });

  it("shows each user the campaigns they got, with the outcome, on the profile and the timeline", async () => {
    const ctx = testCtx(db.db);
    const [a, , c] = rows as [(typeof rows)[number], (typeof rows)[number], (typeof rows)[number]];
    const history = await getUserEmailHistory({ ctx, input: { userId: a.user_id } });
    expect(history).toEqual([
      expect.objectContaining({
        source: "campaign",
        refId: campaignId,
        title: "Tracked",
        channel: "email",
        status: "clicked",
        openCount: 2,
      }),
    ]);
    expect(history[0]?.clickedAt?.toISOString()).toBe("2026-11-27T10:04:00.000Z");
    expect((await getUserEmailHistory({ ctx, input: { userId: c.user_id } }))[0]).toMatchObject({ status: "bounced", openedAt: null });
    const timeline = await getUserTimeline({ ctx, input: { userId: a.user_id, kinds: ["campaign"] } });
    expect(timeline.items).toEqual([
      expect.objectContaining({ kind: "campaign", title: "Campaign Tracked", detail: expect.objectContaining({ outcome: "clicked" }) }),
    ]);
  });

  it("builds segments on engagement and suppression from what the webhooks reported", async () => {
    const ctx = testCtx(db.db, actor);
    const [a, b, c, d] = rows.map((r) => r.user_id) as [string, string, string, string];
    const members = async (condition: Record<string, unknown>) => {
      const seg = await createSegment({
        ctx,
        input: {
          name: `s-${Math.random()}`,
          criteria: { type: "group", match: "all", conditions: [{ type: "condition", ...condition } as TNode] },
        },
      });
      return (
        await db.query<{ user_id: string }>("SELECT user_id FROM crm_segment_members WHERE segment_id = $1 ORDER BY user_id", [seg.id])
      ).map((r) => r.user_id);
    };
    expect(await members({ field: "engagement", op: "received_not", action: "opened", campaignId })).toEqual([d]);
    expect(await members({ field: "engagement", op: "did", action: "clicked", campaignId })).toEqual([a, b]);
    expect(await members({ field: "engagement", op: "did_not", action: "opened" })).toEqual([c, d]);
    expect(await members({ field: "engagement", op: "did", action: "received" })).toEqual([a, b, d]);
    expect(await members({ field: "suppressed", op: "is", reasons: ["bounced"] })).toEqual([c]);
    expect(await members({ field: "suppressed", op: "is_not" })).toEqual([a, b]);
    await expect(
      members({ field: "engagement", op: "did", action: "opened", campaignId: "00000000-0000-4000-8000-000000000999" }),
    ).rejects.toThrow(/campaign that does not exist/);
  });

  it("email.suppressed marks the recipient failed at the provider and suppresses the address", async () => {
    const [, b] = rows as [(typeof rows)[number], (typeof rows)[number]];
    const res = await send(event("email.suppressed", b, new Date().toISOString()));
    expect(res.status).toBe(200);
    expect(await db.query("SELECT reason FROM crm_suppressions WHERE email = $1", [b.email])).toEqual([{ reason: "provider" }]);
    const [state] = await db.query<{ provider_failed_at: Date | null }>(
      "SELECT provider_failed_at FROM crm_campaign_tracking WHERE id = $1",
      [b.id],
    );
    expect(state?.provider_failed_at).not.toBeNull();
  });
  it("shows when a one-on-one email was first opened and clicked, whatever order the events come in", async () => {
    const [a] = rows as [(typeof rows)[number]];
    const ctx = testCtx(db.db, actor, { email: new ResendProvider(fake.apiKey, fake.url) });
    const [m] = await sendMessage({ ctx, input: { userId: a.user_id, subject: "About your plan", content: "Hi!", channels: ["email"] } });
    if (!m) throw new Error("no message");
    const providerId = fake.sent.at(-1)?.id ?? "";
    const direct = (type: string, at: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        type,
        created_at: at,
        data: { email_id: providerId, to: [a.email], tags: [{ name: "message_id", value: m.id }], ...extra },
      });
    const t = (min: number) => new Date(Date.UTC(2026, 10, 28, 9, min)).toISOString();
    expect((await send(direct("email.clicked", t(5), { click: { link: "https://vibrationfit.com/plan" } }))).status).toBe(200);
    expect((await send(direct("email.opened", t(3)))).status).toBe(200);
    expect((await send(direct("email.opened", t(9)))).status).toBe(200);
    expect((await send(direct("email.delivered", t(1)))).status).toBe(200);
    const [shown] = (await getConversation({ ctx, input: { userId: a.user_id } })).filter((x) => x.id === m.id);
    expect(shown).toMatchObject({ status: "delivered", openedAt: new Date(t(3)), clickedAt: new Date(t(5)) });
    // The campaign's recipient row is not touched by a one-on-one email's events.
    expect((await listCampaignRecipients({ ctx, input: { id: campaignId, filter: "all", search: "r1@" } })).items[0]?.openCount).toBe(2);
  });
  it("events arriving together are written together (group commit) and end in the state one by one gives; each redelivery is a duplicate", async () => {
    // A fresh recipient row of its own (the earlier tests used the campaign's four).
    const [c] = await db.query<(typeof rows)[number]>(
      `INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, batch_no, provider_message_id, sent_at)
       VALUES ($1, '00000000-0000-4000-8000-000000000099', 'together@example.com', 'sent', 0, 'prov-together', now())
       RETURNING id, email, provider_message_id, user_id`,
      [campaignId],
    );
    if (!c) throw new Error("no row");
    const t = (m: number) => new Date(Date.UTC(2026, 10, 27, 11, m)).toISOString();
    const click = { click: { link: "https://vibrationfit.com/a" } };
    const events = [
      event("email.delivered", c, t(1)),
      event("email.opened", c, t(5)),
      event("email.opened", c, t(2)),
      event("email.opened", c, t(9)),
      event("email.clicked", c, t(7), click),
      event("email.clicked", c, t(3), click),
    ];
    const batchesBefore = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_provider_events");
    // All at once, each sent twice under its id: 12 requests racing into the same recipient.
    const answers = await Promise.all(
      [...events, ...events].map(
        async (e, i) => (await send(e, `msg_together_${i % events.length}`)).json() as Promise<{ duplicate: boolean }>,
      ),
    );
    expect(answers.filter((a) => a.duplicate).length).toBe(events.length);
    for (let i = 0; i < events.length; i++)
      expect([answers[i]?.duplicate, answers[i + events.length]?.duplicate].sort()).toEqual([false, true]);
    expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_provider_events"))[0]?.n).toBe(
      (batchesBefore[0]?.n ?? 0) + events.length,
    );
    const [state] = await db.query<Record<string, unknown>>(
      "SELECT status, delivered_at, first_opened_at, open_count, first_clicked_at, click_count FROM crm_campaign_tracking WHERE id = $1",
      [c.id],
    );
    expect(state).toMatchObject({ status: "clicked", open_count: 3, click_count: 2 });
    expect(new Date(state?.first_opened_at as string).toISOString()).toBe(t(2));
    expect(new Date(state?.first_clicked_at as string).toISOString()).toBe(t(3));
    expect(new Date(state?.delivered_at as string).toISOString()).toBe(t(1));
    // The same twelve handed to the service as one batch, for another fresh row: one result each, the same end state.
    const [d] = await db.query<(typeof rows)[number]>(
      `INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, batch_no, provider_message_id, sent_at)
       VALUES ($1, '00000000-0000-4000-8000-000000000098', 'batch@example.com', 'sent', 0, 'prov-batch', now())
       RETURNING id, email, provider_message_id, user_id`,
      [campaignId],
    );
    if (!d) throw new Error("no row");
    const forD = events.map((e) => e.replaceAll(c.id, d.id).replaceAll("prov-together", "prov-batch"));
    const results = await applyProviderEvents({
      ctx: testCtx(db.db, { type: "webhook", provider: "resend" }),
      input: [...forD, ...forD].map((e, i) => ({ svixId: `msg_batch_${i % forD.length}`, event: ZProviderEvent.parse(JSON.parse(e)) })),
    });
    expect(results.map((r) => r.applied)).toEqual([...forD.map(() => true), ...forD.map(() => false)]);
    const [batched] = await db.query<Record<string, unknown>>(
      "SELECT status, delivered_at, first_opened_at, open_count, first_clicked_at, click_count FROM crm_campaign_tracking WHERE id = $1",
      [d.id],
    );
    expect(batched).toEqual(state);
  });
});
