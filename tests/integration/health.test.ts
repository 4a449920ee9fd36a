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
