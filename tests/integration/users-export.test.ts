import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countUsers } from "@/server/services/users/count-users";
import { CSV_HEADER, csvField, exportUsersCsv, startUsersExport } from "@/server/services/users/export-users-csv";
import { refreshUserStats } from "@/server/services/users/refresh-user-stats";
import { createAdmins } from "../helpers/admins";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";

const USERS = 100_000;

describe.each(engines())("users export and count on %s with 100,000 users", (engine) => {
  let db: TTestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    // Set-based, like the seed: one statement, ids derived from the row number.
    await db.execScript(`
      INSERT INTO app.users (id, email, name, created_at, last_active_at)
      SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
             'user' || i || '@example.com',
             CASE WHEN i = 7 THEN '=HYPERLINK("http://evil")' WHEN i = 8 THEN 'Smith, "Jo"' ELSE 'User ' || i END,
             timestamptz '2025-01-01' + i * interval '1 minute', NULL
      FROM generate_series(1, ${USERS}) AS i;
      ANALYZE app.users;`);
    await refreshUserStats(db.db);
  }, 120_000);
  afterAll(async () => db?.drop());

  it("streams every user once, in pages, with the header first", async () => {
    let text = "";
    let chunks = 0;
    let biggest = 0;
    for await (const chunk of exportUsersCsv(db.db, {
      filters: { tagMode: "any" },
      sort: "joined",
      dir: "desc",
      timeZone: "UTC",
      pageSize: 5_000,
    })) {
      chunks++;
      biggest = Math.max(biggest, chunk.length);
      text += chunk;
    }
    const lines = text.split("\r\n");
    expect(lines.at(-1)).toBe("");
    expect(lines[0]).toBe(CSV_HEADER.join(","));
    expect(lines[0]).toBe(
      "id,email,name,joined_at,last_active_at,plan,subscription_status,total_spent_usd,ai_tokens,ai_cost_usd,margin_usd,tags,priority",
    );
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(USERS);
    expect(new Set(rows.map((r) => r.slice(0, 36))).size).toBe(USERS);
    // One chunk per page: memory holds one page, not the whole list.
    expect(chunks).toBe(1 + USERS / 5_000);
    expect(biggest).toBeLessThan(text.length / 10);
    expect(rows[0]).toMatch(
      /^00000000-0000-4000-8000-0000000186a0,user100000@example\.com,User 100000,2025-03-11T10:40:00\.000Z,,free,none,0\.00,0,/,
    );
    // Quotes and formula injection are neutralised.
    expect(rows).toContain(rows.find((r) => r.includes("user8@example.com")));
    expect(rows.find((r) => r.includes("user8@example.com"))).toContain(`"Smith, ""Jo"""`);
    expect(rows.find((r) => r.includes("user7@example.com"))).toContain(`"'=HYPERLINK(""http://evil"")"`);
  }, 120_000);

  it("counts exactly up to 10,000 and labels a larger total as an estimate", async () => {
    const all = await countUsers({ ctx: testCtx(db.db), input: {} });
    expect(all.exact).toBe(false);
    expect(all.count).toBeGreaterThan(90_000);
    expect(all.count).toBeLessThan(110_000);
    expect(await countUsers({ ctx: testCtx(db.db), input: { filters: { search: "user9999" } } })).toEqual({ count: 11, exact: true });
    expect(await countUsers({ ctx: testCtx(db.db), input: { filters: { joinedTo: "2025-01-06" } } })).toEqual({
      count: 8_639,
      exact: true,
    });
    const week = await countUsers({ ctx: testCtx(db.db), input: { filters: { joinedTo: "2025-01-07" } } });
    expect(week.exact).toBe(false);
    expect(week.count).toBeGreaterThan(10_000);
  }, 60_000);

  it("records who exported what in the audit log", async () => {
    const { viewer } = await createAdmins(db.db, `exp-${engine}`);
    const rows = await startUsersExport({
      ctx: testCtx(db.db, { type: "admin", ...viewer }),
      input: { filters: { tagMode: "any", search: "user1" }, sort: "joined", dir: "desc", timeZone: "UTC" },
    });
    await rows.return(undefined);
    const audit = await db.query<{ action: string; actor_email: string }>(
      "SELECT action, actor_email FROM crm_audit_log WHERE action = 'users.exported'",
    );
    expect(audit).toEqual([{ action: "users.exported", actor_email: viewer.email }]);
  });
});

describe("csvField", () => {
  it("quotes separators and defuses formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("-5")).toBe("'-5");
    expect(csvField(-5)).toBe("-5");
    expect(csvField(null)).toBe("");
  });
});
