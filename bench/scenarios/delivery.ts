import { parseArgs } from "node:util";
import { inArray, sql } from "drizzle-orm";
import { type Db, executeRows } from "@/server/db/client";
import { crmAdmins, crmUserSegments } from "@/server/db/schema";
import { ResendProvider } from "@/server/email/resend-provider";
import { spacedProvider } from "@/server/email/spaced-provider";
import { jobEvent } from "@/server/jobs/events";
import { createJobEngine, serviceContext } from "@/server/runtime";
import { createCampaign } from "@/server/services/campaigns/manage-campaigns";
import { startCampaignSend } from "@/server/services/campaigns/start-campaign";
import type { AdminActor } from "@/server/services/context";
import { recomputeSegment } from "@/server/services/segments/recompute-segment";
import { startFakeResend } from "../../tests/fixtures/fake-resend-server";
import { deleteCampaigns } from "../fixtures/delete-campaigns";
import { checkDataSetSize, type TBenchFigure, type TBenchScenario } from "../types";

/**
 * Campaign delivery end to end through the path the product takes without
 * Inngest (the in-process job engine: the fan-out job, one job per batch,
 * the queue in Postgres), against the local Resend-compatible server, with
 * the tracking writes: every seeded user (--users 100000) at no rate limit,
 * then a slice of them at the default limit of 2 requests per second, where
 * the figure is how close to the limit it stays without going over.
 * `--snapshot-only` stops after the audience snapshot (for --users 1000000:
 * the snapshot's target is 20 s for a million recipients).
 */
const scenario: TBenchScenario = {
  description: "campaign delivery: 100k recipients unthrottled, then 2 requests/s",
  async run(handle, args) {
    const { values } = parseArgs({
      args,
      options: {
        "limited-batches": { type: "string", default: "20" },
        "snapshot-only": { type: "boolean", default: false },
        users: { type: "string" },
      },
    });
    const db = handle.db as Db;
    const figures: TBenchFigure[] = [];
    const users = await checkDataSetSize(handle, values.users);
    const fake = await startFakeResend();
    const provider = new ResendProvider(fake.apiKey, fake.url);
    const [admin] = await db
      .insert(crmAdmins)
      .values({ email: `bench-delivery-${Date.now()}@example.com`, role: "admin" })
      .returning();
    if (!admin) throw new Error("no admin");
    const actor: AdminActor = { type: "admin", id: admin.id, email: admin.email, role: "admin" };
    const ctx = serviceContext(db, actor, { email: provider });
    const deliver = async (campaignId: string, email: typeof provider | ReturnType<typeof spacedProvider>) => {
      const engine = createJobEngine(db, { email, pollMs: 20 });
      await engine.enqueue(jobEvent("crm/campaign.send.requested", { campaignId, requestedBy: "bench" }));
      await engine.drain({ timeoutMs: 30 * 60_000 });
      const [c] = await executeRows<{ status: string }>(db, sql`SELECT status FROM crm_campaigns WHERE id = ${campaignId}::uuid`);
      return { finished: c?.status === "sent" };
    };
    const segmentIds: string[] = [];
    const campaignIds: string[] = [];
    try {
      const segment = async (name: string, criteria: unknown) => {
        const [s] = await db
          .insert(crmUserSegments)
          .values({ name, criteria, createdById: admin.id })
          .returning({ id: crmUserSegments.id });
        if (!s) throw new Error("no segment");
        segmentIds.push(s.id);
        await recomputeSegment({ ctx, input: { segmentId: s.id } });
        return s.id;
      };
      const everyone = await segment("bench: everyone", {
        type: "group",
        match: "all",
        conditions: [{ type: "condition", field: "email", op: "contains", value: "@" }],
      });
      const campaign = async (name: string, segmentId: string) => {
        const c = await createCampaign({
          ctx,
          input: {
            name,
            type: "email",
            segmentId,
            subject: 'Hi {{user.firstName | "there"}}',
            content: "Your week at **VibrationFit**.\n\n[Open](https://vibrationfit.com)",
          },
        });
        campaignIds.push(c.id);
        return c;
      };

      const c1 = await campaign("bench: unthrottled", everyone);
      const t0 = performance.now();
      const started = await startCampaignSend({ ctx, input: { campaignId: c1.id } });
      if (!started) throw new Error("the campaign did not start");
      const snapshotMs = performance.now() - t0;
      const [queued] = await executeRows<{ n: string }>(
        db,
        sql`SELECT count(*) AS n FROM crm_campaign_tracking WHERE campaign_id = ${c1.id}::uuid AND status = 'queued'`,
      );
      figures.push({ name: "users in the data set", value: users, unit: "users", target: null });
      figures.push({ name: "recipients", value: started.totalRecipients, unit: "emails", target: null });
      figures.push({ name: "queued rows − recipients", value: Number(queued?.n) - started.totalRecipients, unit: "emails", target: 0 });
      figures.push({ name: "snapshot (segment recompute + set-based insert)", value: Math.round(snapshotMs), unit: "ms", target: 20_000 });
      if (values["snapshot-only"]) return figures;
      const t1 = performance.now();
      const run = await deliver(c1.id, provider);
      const sendMs = performance.now() - t1;
      const [check] = await executeRows<{ sent: string }>(
        db,
        sql`SELECT count(*) FILTER (WHERE status = 'sent') AS sent FROM crm_campaign_tracking WHERE campaign_id = ${c1.id}::uuid`,
      );
      const providerCopies = fake.sent.length;
      const unique = new Set(fake.sent.map((e) => e.to[0])).size;
      figures.push({ name: "delivery time, unthrottled", value: Math.round(sendMs), unit: "ms", target: null });
      figures.push({
        name: "throughput, unthrottled",
        value: Math.round(started.totalRecipients / (sendMs / 1000)),
        unit: "emails/s",
        target: 2000,
      });
      figures.push({ name: "recorded sent", value: Number(check?.sent ?? 0), unit: "emails", target: null });
      figures.push({ name: "provider copies − unique recipients (duplicates)", value: providerCopies - unique, unit: "emails", target: 0 });
      figures.push({ name: "finished", value: run.finished ? 1 : 0, unit: "bool", target: 1 });

      // Throttled: the first N batches' worth of users, at the default 2 requests per second. The
      // recipients are snapshotted by hand (same statement shape) so the run is exactly N batches.
      const n = Number(values["limited-batches"]) * 100;
      const c2 = await campaign("bench: 2 per second", everyone);
      await executeRows(
        db,
        sql`WITH ins AS (INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, batch_no)
              SELECT ${c2.id}::uuid, u.id, u.email, 'queued', ((row_number() OVER (ORDER BY u.id)) - 1) / 100
              FROM (SELECT id, email FROM app.users ORDER BY id LIMIT ${n}) u RETURNING 1)
            UPDATE crm_campaigns SET status = 'sending', total_recipients = (SELECT count(*) FROM ins), started_at = now() WHERE id = ${c2.id}::uuid`,
      );
      const before = fake.requests.length;
      const stamps: number[] = [];
      const timed = new Proxy(provider, {
        get(target, prop, receiver) {
          if (prop === "sendBatch") {
            return (...a: Parameters<ResendProvider["sendBatch"]>) => {
              stamps.push(performance.now());
              return target.sendBatch(...a);
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      });
      const t2 = performance.now();
      await deliver(c2.id, spacedProvider(timed, 2));
      const limitedMs = performance.now() - t2;
      const requests = fake.requests.length - before;
      // The most requests in any one-second window: never above 2.
      let worst = 0;
      for (let i = 0; i < stamps.length; i++) {
        let j = i;
        while (j + 1 < stamps.length && (stamps[j + 1] as number) - (stamps[i] as number) < 1000) j++;
        worst = Math.max(worst, j - i + 1);
      }
      const rate = (requests - 1) / (((stamps.at(-1) ?? 0) - (stamps[0] ?? 0)) / 1000);
      figures.push({ name: "throttled: batch requests", value: requests, unit: "requests", target: null });
      figures.push({ name: "throttled: most requests in any 1 s window", value: worst, unit: "requests", target: 2 });
      figures.push({ name: "throttled: achieved request rate", value: Math.round(rate * 100) / 100, unit: "req/s", target: 1.9 });
      figures.push({
        name: "throttled: emails per second",
        value: Math.round((n / (limitedMs / 1000)) * 10) / 10,
        unit: "emails/s",
        target: 190,
      });
    } finally {
      await fake.close();
      await deleteCampaigns(db, campaignIds);
      if (segmentIds.length) await db.delete(crmUserSegments).where(inArray(crmUserSegments.id, segmentIds));
      await db.delete(crmAdmins).where(inArray(crmAdmins.id, [admin.id]));
    }
    return figures;
  },
};

export default scenario;
