import { describe, expect, it } from "vitest";
import { getHealth } from "@/server/services/health/get-health";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase } from "../helpers/db";

describe("health", () => {
  it("reports the database reachable, the modes, and that in-process jobs are durable (a queue in Postgres)", async () => {
    const db = await createTestDatabase(undefined, { sourceTables: false });
    try {
      const health = await getHealth({ ctx: testCtx(db.db), input: { detail: true } });
      expect(health).toMatchObject({
        status: "ok",
        database: { reachable: true, mode: "embedded" },
        email: { mode: "local-outbox" },
        jobs: { mode: "in-process", durable: true },
      });
      expect(health.jobs.note).toMatch(/queue in Postgres/);
    } finally {
      await db.drop();
    }
  });

  it("is degraded, with the reason, when the database is gone", async () => {
    const db = await createTestDatabase(undefined, { sourceTables: false });
    await db.drop();
    const health = await getHealth({ ctx: testCtx(db.db), input: { detail: true } });
    expect(health.status).toBe("degraded");
    expect(health.database.reachable).toBe(false);
    expect(health.database.error).toBeTruthy();
  });
});

describe("liveness and readiness", () => {
  it("answers live whatever the database, and ready only while the database answers", async () => {
    const { provideDatabase } = await import("@/server/db");
    const { GET: live } = await import("@/app/api/health/live/route");
    const { GET: ready } = await import("@/app/api/health/ready/route");
    const db = await createTestDatabase(undefined, { sourceTables: false });
    provideDatabase(db);
    const r1 = await ready(new Request("http://crm/api/health/ready"));
    expect([r1.status, await r1.json()]).toEqual([200, { status: "ready" }]);
    await db.drop();
    const r2 = await ready(new Request("http://crm/api/health/ready"));
    expect(r2.status).toBe(503);
    expect(JSON.stringify(await r2.json())).not.toMatch(/SELECT|relation|pglite/i);
    const l = live();
    expect([l.status, await l.json()]).toEqual([200, { status: "ok" }]);
  });
});
