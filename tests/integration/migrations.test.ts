import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "@/server/db/client";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";

const CRM_TABLES = [
  "crm_admins",
  "crm_api_keys",
  "crm_audit_log",
  "crm_auth_accounts",
  "crm_auth_sessions",
  "crm_auth_verification_tokens",
  "crm_automation_run_steps",
  "crm_automation_runs",
  "crm_automation_versions",
  "crm_automations",
  "crm_campaign_tracking",
  "crm_campaigns",
  "crm_email_outbox",
  "crm_email_template_versions",
  "crm_email_templates",
  "crm_inbound_quarantine",
  "crm_job_queue",
  "crm_job_runs",
  "crm_messages",
  "crm_migrations",
  "crm_notifications",
  "crm_provider_events",
  "crm_push_deliveries",
  "crm_push_subscriptions",
  "crm_rate_limits",
  "crm_rollup_buckets",
  "crm_rollup_day_bits",
  "crm_rollup_days",
  "crm_rollup_state",
  "crm_rollup_user_day_tokens",
  "crm_rollup_user_days",
  "crm_rollup_user_week_tokens",
  "crm_rollup_users",
  "crm_saved_views",
  "crm_segment_counts",
  "crm_segment_members",
  "crm_segment_membership_history",
  "crm_settings",
  "crm_source_change_horizons",
  "crm_source_change_sources",
  "crm_source_changes",
  "crm_suppressions",
  "crm_user_metadata",
  "crm_user_numbers",
  "crm_user_segments",
  "crm_user_stats",
  "crm_user_stats_state",
];

describe.each(engines())("migrations on %s", (engine) => {
  let db: TTestDatabase;
  afterAll(async () => db?.drop());

  it("create exactly the crm_* tables, without the main app's tables present, and run again as a no-op", async () => {
    db = await createTestDatabase(engine, { migrate: false, sourceTables: false });
    await migrateDatabase(db, db.url);
    const tables = async () =>
      (
        await db.query<{ schema: string; name: string }>(
          "SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
        )
      ).map((t) => `${t.schema}.${t.name}`);
    const first = await tables();
    expect(first).toEqual(CRM_TABLES.map((t) => `public.${t}`));
    await migrateDatabase(db, db.url);
    expect(await tables()).toEqual(first);
  });

  it("keep the seed's checks: a campaign type outside email/push/in_app and an unknown priority are refused", async () => {
    await expect(db.query("INSERT INTO crm_campaigns (name, type, content) VALUES ('x', 'fax', 'c')")).rejects.toThrow(
      /crm_campaigns_type_check/,
    );
    await expect(
      db.query("INSERT INTO crm_user_metadata (user_id, priority) VALUES ('00000000-0000-0000-0000-000000000001', 'urgent')"),
    ).rejects.toThrow(/crm_user_metadata_priority_check/);
    const [row] = await db.query<{ tags: string[]; version: number }>(
      "INSERT INTO crm_user_metadata (user_id) VALUES ('00000000-0000-0000-0000-000000000001') RETURNING tags, version",
    );
    expect(row).toEqual({ tags: [], version: 1 });
  });

  it("index every foreign key", async () => {
    const unindexed = await db.query<{ tbl: string; col: string }>(`
      SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
      FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      WHERE c.contype = 'f' AND NOT EXISTS (
        SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
      )`);
    expect(unindexed).toEqual([]);
  });

  it("give recipients version-7 ids: the current millisecond first, version and variant set, the rest random and unique", async () => {
    const before = Date.now();
    const rows = await db.query<{ id: string }>("SELECT crm_uuid7()::text AS id FROM generate_series(1, 20000)");
    const after = Date.now();
    expect(new Set(rows.map((r) => r.id)).size).toBe(20_000);
    const ms = rows.map((r) => Number.parseInt(r.id.replace(/-/g, "").slice(0, 12), 16));
    for (const [i, t] of ms.entries()) {
      expect(t).toBeGreaterThanOrEqual(before);
      expect(t).toBeLessThanOrEqual(after);
      if (i > 0) expect(t).toBeGreaterThanOrEqual(ms[i - 1] as number);
    }
    for (const { id } of rows) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Random bits: each of the 16 hex digits appears in the last group's first position about as often as the others.
    const counts = new Map<string, number>();
    for (const { id } of rows) counts.set(id.slice(24, 25), (counts.get(id.slice(24, 25)) ?? 0) + 1);
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(n).toBeGreaterThan(20_000 / 16 / 2);
  });
});

describe("generated migrations", () => {
  it("never mention the main app's schema or tables", () => {
    const dir = path.join(process.cwd(), "drizzle");
    const sqlFiles = readdirSync(dir).filter((f) => f.endsWith(".sql"));
    expect(sqlFiles.length).toBeGreaterThan(0);
    for (const file of sqlFiles) {
      const text = readFileSync(path.join(dir, file), "utf8");
      expect(text).not.toMatch(/"app"\.|\bapp\.(users|sessions|events|token_usage|subscriptions|payments)\b|auth\.users/);
      for (const m of text.matchAll(/CREATE TABLE "([^"]+)"/g)) expect(m[1]).toMatch(/^crm_/);
    }
  });
});
