import { inArray, sql } from "drizzle-orm";
import { type Db, executeRows } from "@/server/db/client";
import { crmAdmins, crmCampaigns } from "@/server/db/schema";
import { serviceContext } from "@/server/runtime";
import { listCampaignRecipients, startRecipientsExport } from "@/server/services/campaigns/campaign-recipients";
import type { AdminActor } from "@/server/services/context";
import { RECIPIENT_FILTERS } from "@/shared/schemas/campaigns";
import { percentile, type TBenchFigure, type TBenchScenario, timeRuns } from "../types";

/**
 * The recipients table of a campaign sent to every seeded user (100k at the
 * bench's size), with tracking as a real send leaves it: delivered, opened
 * (some several times), clicked with provider click events, bounced with
 * bounce events, complained, failed. Pages of 50 through the service the
 * tRPC procedure calls: the first page of every filter, pages deep into the
 * list by keyset, searches; then the whole list as CSV (time and retained
 * heap). Baseline in the same process: the same first page read by OFFSET
 * 50,000, the way a naive table pages.
 */
const scenario: TBenchScenario = {
  description: "campaign recipients: pages, filters, search and CSV export on a campaign sent to every seeded user",
  async run(handle) {
    const db = handle.db as Db;
    const figures: TBenchFigure[] = [];
    const [admin] = await db
      .insert(crmAdmins)
      .values({ email: `bench-recipients-${Date.now()}@example.com`, role: "admin" })
      .returning();
    if (!admin) throw new Error("no admin");
    const actor: AdminActor = { type: "admin", id: admin.id, email: admin.email, role: "admin" };
    const ctx = serviceContext(db, actor);
    const [c] = await db.insert(crmCampaigns).values({ name: "bench: recipients", type: "email", status: "sent" }).returning();
    if (!c) throw new Error("no campaign");
    try {
      const t0 = performance.now();
      // Deterministic outcomes from the user id's hash: ~95% delivered, 30% opened, 8% clicked, 2% bounced, 0.1% complained, 1% failed.
      await executeRows(
        db,
        sql`INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, batch_no, sent_at, delivered_at, first_opened_at, open_count,
              first_clicked_at, click_count, bounced_at, complained_at, provider_failed_at, provider_message_id)
            SELECT ${c.id}::uuid, u.id, u.email,
              CASE WHEN h < 1 THEN 'complained' WHEN h < 21 THEN 'bounced' WHEN h < 31 THEN 'failed' WHEN h < 111 THEN 'clicked'
                   WHEN h < 411 THEN 'opened' ELSE 'delivered' END,
              (row_number() OVER (ORDER BY u.id) - 1) / 100,
              now() - interval '2 days',
              CASE WHEN h >= 31 OR h < 1 THEN now() - interval '2 days' END,
              CASE WHEN h >= 31 AND h < 411 THEN now() - interval '1 day' END,
              CASE WHEN h >= 31 AND h < 411 THEN 1 + h % 3 ELSE 0 END,
              CASE WHEN h >= 31 AND h < 111 THEN now() - interval '20 hours' END,
              CASE WHEN h >= 31 AND h < 111 THEN 1 + h % 2 ELSE 0 END,
              CASE WHEN h >= 1 AND h < 21 THEN now() - interval '2 days' END,
              CASE WHEN h < 1 THEN now() - interval '1 day' END,
              CASE WHEN h >= 21 AND h < 31 THEN now() - interval '2 days' END,
              'bench-' || u.id
            FROM (SELECT id, email, abs(hashtext(id::text)) % 1000 AS h FROM app.users) u`,
      );
      // The provider's click and bounce events for those rows (what the links column and the bounce reason read).
      await executeRows(
        db,
        sql`INSERT INTO crm_provider_events (svix_id, type, email_id, campaign_id, tracking_id, link, occurred_at, payload)
            SELECT 'bench-' || t.id || '-' || k, CASE WHEN t.bounced_at IS NOT NULL THEN 'email.bounced' ELSE 'email.clicked' END,
              t.provider_message_id, t.campaign_id, t.id,
              CASE WHEN t.bounced_at IS NULL THEN 'https://vibrationfit.com/' || (k % 3) END,
              now() - interval '20 hours',
              CASE WHEN t.bounced_at IS NOT NULL THEN '{"data":{"bounce":{"type":"Permanent","message":"Mailbox does not exist"}}}'::jsonb
                   ELSE '{}'::jsonb END
            FROM crm_campaign_tracking t CROSS JOIN generate_series(1, 2) k
            WHERE t.campaign_id = ${c.id}::uuid AND (t.first_clicked_at IS NOT NULL OR (t.bounced_at IS NOT NULL AND k = 1))`,
      );
      await executeRows(db, sql`ANALYZE crm_campaign_tracking`);
      await executeRows(db, sql`ANALYZE crm_provider_events`);
      const [n] = await executeRows<{ n: string }>(db, sql`SELECT count(*) AS n FROM crm_campaign_tracking WHERE campaign_id = ${c.id}::uuid`);
      const total = Number(n?.n ?? 0);
      figures.push({ name: "recipients", value: total, unit: "rows", target: null });
      figures.push({ name: "setup (tracking + events)", value: Math.round(performance.now() - t0), unit: "ms", target: null });

      const page = (input: Record<string, unknown>) => listCampaignRecipients({ ctx, input: { id: c.id, limit: 50, ...input } });
      const all: number[] = [];
      const record = (name: string, samples: number[]) => {
        all.push(...samples);
        figures.push({ name: `${name}: p95`, value: Math.round(percentile(samples, 95) * 10) / 10, unit: "ms", target: 50 });
      };
      for (const filter of RECIPIENT_FILTERS) record(`first page, ${filter}`, await timeRuns(() => page({ filter }), 15));

      // Deep pages: the cursor of page 1,000 (row 50,000), then that page.
      let cursor: string | undefined;
      for (let i = 0; i < Math.min(1000, Math.floor(total / 50) - 1); i++) {
        cursor = (await page({ filter: "all", cursor })).nextCursor ?? undefined;
        if (!cursor) break;
      }
      record("page 1,000 by keyset, all", await timeRuns(() => page({ filter: "all", cursor }), 15));
      const deepOpened = await page({ filter: "opened", limit: 200 });
      record(
        "page 2 by keyset, opened",
        await timeRuns(() => page({ filter: "opened", cursor: deepOpened.nextCursor ?? undefined }), 15),
      );
      const [someone] = await executeRows<{ email: string }>(
        db,
        sql`SELECT email FROM crm_campaign_tracking WHERE campaign_id = ${c.id}::uuid ORDER BY user_id LIMIT 1 OFFSET 777`,
      );
      record("search, one address", await timeRuns(() => page({ filter: "all", search: someone?.email ?? "x" }), 15));
      record("search, common fragment", await timeRuns(() => page({ filter: "all", search: "mail" }), 15));
      record("search, no match", await timeRuns(() => page({ filter: "clicked", search: "zzzz-no-such" }), 15));
      figures.push({ name: "all pages: p50", value: Math.round(percentile(all, 50) * 10) / 10, unit: "ms", target: null });
      figures.push({ name: "all pages: p95", value: Math.round(percentile(all, 95) * 10) / 10, unit: "ms", target: 50 });

      // Baseline: OFFSET paging to the same depth.
      const offset = await timeRuns(
        () =>
          executeRows(
            db,
            sql`SELECT t.* FROM crm_campaign_tracking t WHERE t.campaign_id = ${c.id}::uuid ORDER BY t.email, t.id LIMIT 50 OFFSET 50000`,
          ),
        15,
      );
      figures.push({
        name: "baseline: page 1,000 by OFFSET: p95",
        value: Math.round(percentile(offset, 95) * 10) / 10,
        unit: "ms",
        target: null,
      });

      // The export: every recipient, streamed; retained heap sampled at every chunk.
      const gc = global.gc ?? (() => {});
      if (!global.gc) console.error("note: run with NODE_OPTIONS=--expose-gc for retained-heap figures");
      gc();
      const base = process.memoryUsage().heapUsed;
      let peak = base;
      let lines = 0;
      const t1 = performance.now();
      const exported = await startRecipientsExport({ ctx, input: { id: c.id } });
      for await (const chunk of exported.rows) {
        lines += chunk.split("\r\n").length - 1;
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
      const exportMs = performance.now() - t1;
      figures.push({ name: "export: rows", value: lines - 1, unit: "rows", target: total });
      figures.push({ name: "export: time", value: Math.round(exportMs), unit: "ms", target: 5000 });
      figures.push({ name: "export: retained heap above start", value: Math.round(((peak - base) / 1_048_576) * 10) / 10, unit: "MB", target: 50 });
    } finally {
      await db.delete(crmCampaigns).where(inArray(crmCampaigns.id, [c.id]));
      await executeRows(db, sql`DELETE FROM crm_audit_log WHERE actor_id = ${admin.id}::uuid`);
      await db.delete(crmAdmins).where(inArray(crmAdmins.id, [admin.id]));
    }
    return figures;
  },
};

export default scenario;
