import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { env } from "@/lib/env";
import { type Db, executeRows } from "@/server/db/client";
import { deleteCampaigns } from "../fixtures/delete-campaigns";
import { percentile, type TBenchFigure, type TBenchScenario } from "../types";

/**
 * The production build (`npm run build` first) under signed webhook load on
 * loopback: a mix of event types for one campaign's recipients, 10% of them
 * delivered twice, sent by many concurrent clients. Checks every event was
 * applied exactly once. The same requests signed with the wrong key, before
 * and after, measure the route's ceiling (refused at the signature check,
 * no database): valid events should reach 80% of it.
 */
const scenario: TBenchScenario = {
  description: "webhooks: signed Resend events against the production build, 10% duplicates",
  async run(handle, args) {
    const { values } = parseArgs({
      args,
      options: {
        events: { type: "string", default: "20000" },
        concurrency: { type: "string", default: "32" },
        port: { type: "string", default: "3200" },
      },
    });
    if (!existsSync(".next/BUILD_ID")) throw new Error("Run npm run build first: the bench drives the production build");
    const db = handle.db as Db;
    const total = Number(values.events);
    const concurrency = Number(values.concurrency);
    const base = `http://127.0.0.1:${values.port}`;
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    const figures: TBenchFigure[] = [];

    // A sent campaign with 2,000 recipients to report on.
    const [campaign] = await executeRows<{ id: string }>(
      db,
      sql`INSERT INTO crm_campaigns (name, type, subject, content, status, total_recipients, sent_count)
          VALUES ('bench: webhooks', 'email', 'Bench', 'Bench', 'sent', 2000, 2000) RETURNING id`,
    );
    if (!campaign) throw new Error("no campaign");
    const recipients = await executeRows<{ id: string; provider_message_id: string }>(
      db,
      sql`INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, batch_no, provider_message_id, sent_at)
          SELECT ${campaign.id}::uuid, id, email, 'sent', 0, gen_random_uuid()::text, now() FROM app.users ORDER BY id LIMIT 2000
          RETURNING id, provider_message_id`,
    );

    let server: ChildProcess | null = null;
    try {
      server = spawn("node_modules/.bin/next", ["start", "--port", String(values.port)], {
        env: {
          ...process.env,
          DATABASE_URL: env().DATABASE_URL,
          RESEND_WEBHOOK_SECRET: secret,
          AUTH_SECRET: randomBytes(32).toString("base64url"),
          CRM_OWNER_EMAIL: env().CRM_OWNER_EMAIL ?? "owner@vibrationfit.local",
          // Required in production with Postgres; never called here (verifying a signature is local).
          RESEND_API_KEY: "re_bench_not_called",
          NODE_ENV: "production",
        },
        stdio: "ignore",
        detached: true,
      });
      for (let i = 0; ; i++) {
        if (i > 120) throw new Error("The production server did not become healthy within 60 s");
        const ok = await fetch(`${base}/api/health`)
          .then((r) => r.ok)
          .catch(() => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 500));
      }

      const types = [
        "email.delivered",
        "email.opened",
        "email.opened",
        "email.clicked",
        "email.delivery_delayed",
        "email.bounced",
      ] as const;
      const unique = Array.from({ length: Math.round(total / 1.1) }, (_, i) => {
        const r = recipients[i % recipients.length] as { id: string; provider_message_id: string };
        const type = types[i % types.length] as (typeof types)[number];
        const body = JSON.stringify({
          type,
          created_at: new Date(Date.now() - (i % 3600) * 1000).toISOString(),
          data: {
            email_id: r.provider_message_id,
            tags: [{ name: "recipient_id", value: r.id }],
            ...(type === "email.clicked" ? { click: { link: `https://vibrationfit.com/l/${i % 5}` } } : {}),
            ...(type === "email.bounced" ? { bounce: { type: "Transient" } } : {}),
          },
        });
        return { id: `msg_${randomUUID()}`, body, type };
      });
      // 10% delivered twice, the copies spread through the run.
      const requests = [...unique, ...unique.filter((_, i) => i % 10 === 0)].sort(() => Math.random() - 0.5);
      const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
      const wrongKey = randomBytes(24);
      const send = async (e: { id: string; body: string }, signedWith: Uint8Array = key) => {
        const ts = String(Math.floor(Date.now() / 1000));
        const sig = createHmac("sha256", signedWith).update(`${e.id}.${ts}.${e.body}`).digest("base64");
        const t = performance.now();
        const res = await fetch(`${base}/api/webhooks/resend`, {
          method: "POST",
          headers: { "content-type": "application/json", "svix-id": e.id, "svix-timestamp": ts, "svix-signature": `v1,${sig}` },
          body: e.body,
        });
        await res.arrayBuffer();
        return { ms: performance.now() - t, status: res.status };
      };
      for (const e of unique.slice(0, 200)) await send({ ...e, id: `warm_${e.id}` });
      await executeRows(db, sql`DELETE FROM crm_provider_events WHERE campaign_id = ${campaign.id}::uuid`);
      await executeRows(db, sql`UPDATE crm_campaign_tracking SET open_count = 0, click_count = 0 WHERE campaign_id = ${campaign.id}::uuid`);

      /** The requests sent by `concurrency` clients at once: events per second, latencies, answers other than `expected`. */
      const load = async (signedWith: Uint8Array, expected: number) => {
        const latencies: number[] = [];
        let unexpected = 0;
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next < requests.length) {
              const e = requests[next++] as (typeof requests)[number];
              const r = await send(e, signedWith);
              latencies.push(r.ms);
              if (r.status !== expected) unexpected++;
            }
          }),
        );
        return { perSecond: requests.length / ((performance.now() - t0) / 1000), latencies, unexpected };
      };
      // The ceiling: the same route refusing the same requests at the signature check (no database), before and after.
      for (const e of unique.slice(0, 200)) await send(e, wrongKey);
      const refusedBefore = await load(wrongKey, 401);
      const valid = await load(key, 200);
      const refusedAfter = await load(wrongKey, 401);
      const refused = (refusedBefore.perSecond + refusedAfter.perSecond) / 2;
      const { latencies } = valid;
      const failures = valid.unexpected + refusedBefore.unexpected + refusedAfter.unexpected;
      const [stored] = await executeRows<{ n: string; opens: string }>(
        db,
        sql`SELECT (SELECT count(*) FROM crm_provider_events WHERE campaign_id = ${campaign.id}::uuid) AS n,
                   (SELECT sum(open_count) FROM crm_campaign_tracking WHERE campaign_id = ${campaign.id}::uuid) AS opens`,
      );
      const expectedOpens = unique.filter((e) => e.type === "email.opened").length;
      figures.push({ name: "requests (10% duplicates)", value: requests.length, unit: "requests", target: null });
      figures.push({ name: "concurrent clients", value: concurrency, unit: "clients", target: null });
      figures.push({ name: "valid events applied", value: Math.round(valid.perSecond), unit: "events/s", target: null });
      figures.push({
        name: "refused at the signature (mean of before and after)",
        value: Math.round(refused),
        unit: "requests/s",
        target: null,
      });
      figures.push({ name: "valid ÷ refused", value: Math.round((valid.perSecond / refused) * 100) / 100, unit: "ratio", target: 0.8 });
      figures.push({ name: "latency p50", value: Math.round(percentile(latencies, 50) * 10) / 10, unit: "ms", target: null });
      figures.push({ name: "latency p99", value: Math.round(percentile(latencies, 99) * 10) / 10, unit: "ms", target: 100 });
      figures.push({
        name: "refused latency p99",
        value: Math.round(percentile([...refusedBefore.latencies, ...refusedAfter.latencies], 99) * 10) / 10,
        unit: "ms",
        target: null,
      });
      figures.push({ name: "unexpected answers (valid ≠ 200, refused ≠ 401)", value: failures, unit: "requests", target: 0 });
      figures.push({ name: "events stored − unique events", value: Number(stored?.n ?? 0) - unique.length, unit: "events", target: 0 });
      figures.push({
        name: "opens counted − unique open events",
        value: Number(stored?.opens ?? 0) - expectedOpens,
        unit: "opens",
        target: 0,
      });
    } finally {
      if (server?.pid) {
        try {
          process.kill(-server.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      await deleteCampaigns(db as Db, [campaign.id]);
    }
    return figures;
  },
};

export default scenario;
