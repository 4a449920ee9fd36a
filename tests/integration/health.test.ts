import { describe, expect, it } from "vitest";
import { getHealth } from "@/server/services/health/get-health";
import { createTestDatabase } from "../helpers/db";

describe("health", () => {
  it("reports the database reachable, the modes, and that in-process jobs are not durable", async () => {
    const db = await createTestDatabase(undefined, { sourceTables: false });
    try {
      const health = await getHealth(db.db);
      expect(health).toMatchObject({
        status: "ok",
        database: { reachable: true, mode: "embedded" },
        email: { mode: "local-outbox" },
        jobs: { mode: "in-process", durable: false },
      });
      expect(health.jobs.note).toMatch(/not durable/);
    } finally {
      await db.drop();
    }
  });

  it("is degraded, with the reason, when the database is gone", async () => {
    const db = await createTestDatabase(undefined, { sourceTables: false });
    await db.drop();
    const health = await getHealth(db.db);
    expect(health.status).toBe("degraded");
    expect(health.database.reachable).toBe(false);
    expect(health.database.error).toBeTruthy();
    expect(await getHealth(null)).toMatchObject({ status: "degraded", database: { error: "The database could not be opened" } });
  });
});
