import { spawn } from "node:child_process";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { inArray, sql } from "drizzle-orm";
import webpush from "web-push";
import { type Db, executeRows } from "@/server/db/client";
import { crmAdmins, crmUserSegments } from "@/server/db/schema";
import { jobEvent } from "@/server/jobs/events";
import { endpointProblem } from "@/server/push/endpoints";
import { spacedPushSender } from "@/server/push/spaced-sender";
import type { PushSender } from "@/server/push/types";
import { createWebPushSender } from "@/server/push/web-push-sender";
import { createJobEngine, serviceContext } from "@/server/runtime";
import { createCampaign } from "@/server/services/campaigns/manage-campaigns";
import { startCampaignSend } from "@/server/services/campaigns/start-campaign";
import type { AdminActor } from "@/server/services/context";
import { recomputeSegment } from "@/server/services/segments/recompute-segment";
import type { TSubscriber } from "../../tests/fixtures/fake-push-service";
import { deleteCampaigns } from "../fixtures/delete-campaigns";
import type { TBenchFigure, TBenchScenario } from "../types";

/**
 * Push delivery end to end through the path the product takes without
 * Inngest (the in-process job engine, push batches from the queue in
 * Postgres), against the local push service in a process of its own (as a
 * browser vendor's is elsewhere), which checks VAPID and decrypts every payload: --devices subscribed browsers (some users
 * have two) unthrottled, then a slice at --rate pushes per second, where the
 * figures are the most pushes in any one-second window and the rate reached.
 * Where the CPU goes is measured alongside: encryption per push (sender),
 * and the VAPID signature, reused for an hour per push service.
 */
const scenario: TBenchScenario = {
  description: "push delivery: encrypted Web Push to the local push service, unthrottled then at --rate/s",
  async run(handle, args) {
    const { values } = parseArgs({
      args,
      options: {
        devices: { type: "string", default: "6000" },
        rate: { type: "string", default: "200" },
        limited: { type: "string", default: "2000" },
      },
    });
    const deviceTarget = Number(values.devices);
    const rate = Number(values.rate);
    const db = handle.db as Db;
    const figures: TBenchFigure[] = [];
    const keys = webpush.generateVAPIDKeys();
    const child = spawn(process.execPath, ["--import", "tsx", "tests/fixtures/run-fake-push-service.ts"], {
      env: { ...process.env, FAKE_PUSH_VAPID_KEY: keys.publicKey, NODE_OPTIONS: "" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [line] = (await once(child.stdout, "data")) as [Buffer];
    const [, pushOrigin, controlOrigin] = line.toString().trim().split(" ");
    const control = async <T>(path: string, method = "GET") => (await (await fetch(`${controlOrigin}${path}`, { method })).json()) as T;
    const base = createWebPushSender({
      publicKey: keys.publicKey,
      privateKey: keys.privateKey,
      subject: "mailto:bench@vibrationfit.com",
      allowEndpoint: (endpoint) => endpointProblem(endpoint, ["127.0.0.1:*"]),
    });
    const [admin] = await db
      .insert(crmAdmins)
      .values({ email: `bench-push-${Date.now()}@example.com`, role: "admin" })
      .returning();
    if (!admin) throw new Error("no admin");
    const actor: AdminActor = { type: "admin", id: admin.id, email: admin.email, role: "admin" };
    const ctx = serviceContext(db, actor, { push: base });
    const segmentIds: string[] = [];
    const campaignIds: string[] = [];
    const userIds: string[] = [];
    try {
      // Subscribed browsers: every fifth user gets two.
      const users = await executeRows<{ id: string }>(db, sql`SELECT id FROM app.users ORDER BY id LIMIT ${Math.ceil(deviceTarget / 1.2)}`);
      const subs: { user_id: string; endpoint: string; p256dh: string; auth: string; device: string }[] = [];
      const browsers = await control<TSubscriber[]>(`/subscribe?n=${deviceTarget}`, "POST");
      for (let i = 0; i < users.length && subs.length < deviceTarget; i++) {
        const u = users[i] as { id: string };
        userIds.push(u.id);
        for (let k = 0; k < (i % 5 === 0 ? 2 : 1) && subs.length < deviceTarget; k++) {
          const s = browsers[subs.length] as TSubscriber;
          subs.push({
            user_id: u.id,
            endpoint: s.subscription.endpoint,
            p256dh: s.subscription.keys.p256dh,
            auth: s.subscription.keys.auth,
            device: s.id,
          });
        }
      }
      for (let i = 0; i < subs.length; i += 2000) {
        await db.execute(sql`INSERT INTO crm_push_subscriptions (user_id, endpoint, p256dh, auth)
          SELECT x.user_id, x.endpoint, x.p256dh, x.auth FROM json_to_recordset(${JSON.stringify(subs.slice(i, i + 2000))}::json)
            AS x(user_id uuid, endpoint text, p256dh text, auth text)`);
      }
      const [s] = await db
        .insert(crmUserSegments)
        .values({
          name: "bench: push audience",
          criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "email", op: "contains", value: "@" }] },
          createdById: admin.id,
        })
        .returning({ id: crmUserSegments.id });
      if (!s) throw new Error("no segment");
      segmentIds.push(s.id);
      await recomputeSegment({ ctx, input: { segmentId: s.id } });
      const campaign = async (name: string) => {
        const c = await createCampaign({
          ctx,
          input: {
            name,
            type: "push",
            segmentId: s.id,
            subject: 'A new session, {{user.firstName | "friend"}}',
            content: "Your {{user.plan}} plan has a guided session waiting. Ten minutes, when you are ready.",
            pushUrl: "/intensive",
          },
        });
        campaignIds.push(c.id);
        return c;
      };
      const deliver = async (campaignId: string, push: PushSender) => {
        const engine = createJobEngine(db, { push, pollMs: 20 });
        await engine.enqueue(jobEvent("crm/campaign.send.requested", { campaignId, requestedBy: "bench" }));
        await engine.drain({ timeoutMs: 30 * 60_000 });
        const [c] = await executeRows<{ status: string }>(db, sql`SELECT status FROM crm_campaigns WHERE id = ${campaignId}::uuid`);
        return c?.status === "sent";
      };

      // Unthrottled.
      const c1 = await campaign("bench: push unthrottled");
      const t0 = performance.now();
      const started = await startCampaignSend({ ctx, input: { campaignId: c1.id } });
      if (!started) throw new Error("the campaign did not start");
      const snapshotMs = performance.now() - t0;
      const cpu0 = process.cpuUsage();
      const t1 = performance.now();
      const finished = await deliver(c1.id, base);
      const sendMs = performance.now() - t1;
      const cpu = process.cpuUsage(cpu0);
      const summary = await control<{ perDevice: Record<string, number>; titles: string[] }>(`/summary?tag=campaign-${c1.id}`);
      const held = subs.map((x) => summary.perDevice[x.device] ?? 0);
      const personalised =
        summary.titles.length === subs.length && summary.titles.every((t) => t.startsWith("A new session, ") && !t.includes("{{"));
      figures.push({ name: "devices (subscribed browsers)", value: subs.length, unit: "devices", target: null });
      figures.push({ name: "recipients (people)", value: started.totalRecipients, unit: "people", target: null });
      figures.push({ name: "snapshot (segment recompute + people + devices)", value: Math.round(snapshotMs), unit: "ms", target: null });
      figures.push({ name: "delivery time, unthrottled", value: Math.round(sendMs), unit: "ms", target: null });
      figures.push({ name: "throughput, unthrottled", value: Math.round(subs.length / (sendMs / 1000)), unit: "pushes/s", target: 1000 });
      figures.push({
        name: "devices holding exactly one (decrypted, personalised)",
        value: held.filter((n) => n === 1).length,
        unit: "devices",
        target: subs.length,
      });
      figures.push({ name: "every payload personalised", value: personalised ? 1 : 0, unit: "bool", target: 1 });
      figures.push({ name: "finished", value: finished ? 1 : 0, unit: "bool", target: 1 });
      figures.push({
        name: "CRM process CPU per push (encryption, HTTP, job engine, DB client)",
        value: Math.round(((cpu.user + cpu.system) / subs.length) * 10) / 10,
        unit: "µs",
        target: null,
      });

      // Where the CPU goes, per push: encryption for the subscriber (ECDH P-256 + HKDF + AES-GCM) as the sender does it.
      const sample = subs.slice(0, 500);
      const payload = JSON.stringify({
        title: "A new session, Ana",
        body: "x".repeat(90),
        url: "https://crm.example.com/api/push/click/x",
        tag: "t",
      });
      let t = performance.now();
      for (const x of sample)
        webpush.generateRequestDetails({ endpoint: x.endpoint, keys: { p256dh: x.p256dh, auth: x.auth } }, payload, {
          vapidDetails: null as unknown as undefined,
          TTL: 60,
        });
      figures.push({
        name: "encryption per push (sender)",
        value: Math.round(((performance.now() - t) / sample.length) * 1000),
        unit: "µs",
        target: null,
      });
      t = performance.now();
      for (let i = 0; i < 200; i++)
        webpush.getVapidHeaders("http://127.0.0.1:1", "mailto:b@example.com", keys.publicKey, keys.privateKey, "aes128gcm");
      figures.push({
        name: "VAPID JWT signature (once per push service per hour)",
        value: Math.round(((performance.now() - t) / 200) * 1000),
        unit: "µs",
        target: null,
      });

      // Throttled: a slice of the devices at --rate pushes per second.
      await control("/reset", "POST");
      const c2 = await campaign(`bench: push at ${rate}/s`);
      const limitedUsers = userIds.slice(0, Math.ceil(Number(values.limited) / 1.2));
      await executeRows(
        db,
        sql`WITH t AS (INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, batch_no)
              SELECT ${c2.id}::uuid, u.id, u.email, 'queued', ((row_number() OVER (ORDER BY u.id)) - 1) / 100
              FROM app.users u WHERE u.id IN (${sql.join(
                limitedUsers.map((id) => sql`${id}::uuid`),
                sql`, `,
              )}) RETURNING id, user_id),
            d AS (INSERT INTO crm_push_deliveries (user_id, campaign_id, tracking_id, subscription_id, push_service)
              SELECT t.user_id, ${c2.id}::uuid, t.id, s.id, '127.0.0.1' FROM t JOIN crm_push_subscriptions s ON s.user_id = t.user_id RETURNING 1)
            UPDATE crm_campaigns SET status = 'sending', total_recipients = (SELECT count(*) FROM t), started_at = now()
            WHERE id = ${c2.id}::uuid AND (SELECT count(*) FROM d) >= 0`,
      );
      const stamps: number[] = [];
      const timed: PushSender = {
        ...base,
        send: (to, p, o) => {
          stamps.push(performance.now());
          return base.send(to, p, o);
        },
      };
      const t2 = performance.now();
      await deliver(c2.id, spacedPushSender(timed, rate));
      const limitedMs = performance.now() - t2;
      const windowMax = (times: number[]) => {
        const sorted = [...times].sort((a, b) => a - b);
        let worst = 0;
        let j = 0;
        for (let i = 0; i < sorted.length; i++) {
          while ((sorted[i] as number) - (sorted[j] as number) >= 1000) j++;
          worst = Math.max(worst, i - j + 1);
        }
        return worst;
      };
      const arrivals = (await control<[number, number][]>("/arrivals")).map(([at]) => at);
      const achieved = (stamps.length - 1) / (((stamps.at(-1) ?? 0) - (stamps[0] ?? 0)) / 1000);
      figures.push({ name: "throttled: pushes", value: stamps.length, unit: "pushes", target: null });
      figures.push({ name: "throttled: most pushes started in any 1 s window", value: windowMax(stamps), unit: "pushes", target: rate });
      figures.push({
        name: "throttled: most pushes arriving in any 1 s window (push service's clock)",
        value: windowMax(arrivals),
        unit: "pushes",
        target: null,
      });
      figures.push({ name: "throttled: achieved rate", value: Math.round(achieved * 10) / 10, unit: "pushes/s", target: rate * 0.95 });
      figures.push({ name: "throttled: wall time", value: Math.round(limitedMs), unit: "ms", target: null });
    } finally {
      child.kill("SIGTERM");
      await deleteCampaigns(db, campaignIds);
      if (segmentIds.length) await db.delete(crmUserSegments).where(inArray(crmUserSegments.id, segmentIds));
      if (userIds.length) await db.execute(sql`DELETE FROM crm_push_subscriptions WHERE endpoint LIKE ${`${pushOrigin}/%`}`);
      await db.delete(crmAdmins).where(inArray(crmAdmins.id, [admin.id]));
    }
    return figures;
  },
};

export default scenario;
