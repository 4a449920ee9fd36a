import { inArray, sql } from "drizzle-orm";
import { type Db, executeRows } from "@/server/db/client";
import { crmAdmins, crmCampaigns } from "@/server/db/schema";
import { serviceContext } from "@/server/runtime";
import { listCampaignRecipients, startRecipientsExport } from "@/server/services/campaigns/campaign-recipients";
import type { AdminActor } from "@/server/services/context";
import { RECIPIENT_FILTERS } from "@/shared/schemas/campaigns";
import { deleteCampaigns } from "../fixtures/delete-campaigns";
import { insertTrackedRecipients, insertUnsubscribes, removeUnsubscribes } from "../fixtures/tracked-campaign";
import { percentile, type TBenchFigure, type TBenchScenario, timeRuns } from "../types";

/**
 * The recipients table of a campaign sent to every seeded user (100k at the
 * bench's size), with tracking as a real send leaves it: delivered, opened
 * (some several times), clicked with provider click events, bounced with
 * bounce events, complained, failed, some unsubscribed (and earlier
 * campaigns' unsubscribes on the list). Pages of 50 through the service the
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
    let unsubscribes: string[] = [];
    try {
      const t0 = performance.now();
      await insertTrackedRecipients(db, c.id);
      unsubscribes = await insertUnsubscribes(db, c.id);
      const [n] = await executeRows<{ n: string }>(
        db,
        sql`SELECT count(*) AS n FROM crm_campaign_tracking WHERE campaign_id = ${c.id}::uuid`,
      );
      const total = Number(n?.n ?? 0);
      figures.push({ name: "recipients", value: total, unit: "rows", target: null });
      figures.push({ name: "setup (tracking + events)", value: Math.round(performance.now() - t0), unit: "ms", target: null });
      figures.push({ name: "unsubscribes on the list (all campaigns)", value: unsubscribes.length, unit: "addresses", target: null });

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
      record("page 2 by keyset, opened", await timeRuns(() => page({ filter: "opened", cursor: deepOpened.nextCursor ?? undefined }), 15));
      const unsubscribed = await page({ filter: "unsubscribed" });
      record(
        "page 2 by keyset, unsubscribed",
        await timeRuns(() => page({ filter: "unsubscribed", cursor: unsubscribed.nextCursor ?? undefined }), 15),
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
      figures.push({
        name: "export: retained heap above start",
        value: Math.round(((peak - base) / 1_048_576) * 10) / 10,
        unit: "MB",
        target: 50,
      });
    } finally {
      await removeUnsubscribes(db, unsubscribes);
      await deleteCampaigns(db, [c.id]);
      await executeRows(db, sql`DELETE FROM crm_audit_log WHERE actor_id = ${admin.id}::uuid`);
      await db.delete(crmAdmins).where(inArray(crmAdmins.id, [admin.id]));
    }
    return figures;
  },
};

export default scenario;
