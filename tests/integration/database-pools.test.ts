import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { env, type TEnv } from "@/lib/env";
import type { DatabaseHandle } from "@/server/db/client";
import { openConfiguredDatabase, openJobsPool } from "@/server/db/open";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

const parallelWorkers = async (h: DatabaseHandle) =>
  (await h.query<{ max_parallel_workers_per_gather: string }>("SHOW max_parallel_workers_per_gather"))[0]?.max_parallel_workers_per_gather;

describe("database pools", () => {
  const opened: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const h of opened.reverse()) await h.close();
  });

  it("has no second pool on the embedded database: jobs share its one instance", () => {
    expect(openJobsPool({ ...env(), DATABASE_URL: undefined } as TEnv)).toBeNull();
  });

  // On the shared Postgres: a request's statement uses one core; background jobs keep the server's workers.
  if (process.env.TEST_DATABASE_URL)
    it("runs requests' statements without parallel workers and lets the jobs' pool use the server's", async () => {
      const db: TTestDatabase = await createTestDatabase("postgres");
      opened.push({ close: () => db.drop() });
      const e = { ...env(), DATABASE_URL: db.url } as TEnv;
      const requests = await openConfiguredDatabase(e);
      opened.push(requests);
      const jobs = openJobsPool(e);
      if (!jobs) throw new Error("no jobs pool on Postgres");
      opened.push(jobs);
      const plain = postgres(db.url as string, { max: 1, onnotice: () => {} });
      opened.push({ close: () => plain.end() });
      const [server] = await plain.unsafe<{ max_parallel_workers_per_gather: string }[]>("SHOW max_parallel_workers_per_gather");
      expect(await parallelWorkers(requests)).toBe("0");
      expect(await parallelWorkers(jobs)).toBe(server?.max_parallel_workers_per_gather);
      expect(server?.max_parallel_workers_per_gather).not.toBe("0");
    });
});
