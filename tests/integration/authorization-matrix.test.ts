import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/api/root";
import type { TProcedureMeta } from "@/server/api/trpc";
import { callerFor, createAdmins, type TTestAdmin } from "../helpers/admins";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

/**
 * Generated from the router itself: every procedure, called by anonymous,
 * viewer, admin and owner. A procedure without a role, or one that lets in a
 * caller below its role, fails here.
 */
type AnyProcedure = { _def: { type: "query" | "mutation" | "subscription"; meta?: TProcedureMeta } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>);
const RANK = { public: 0, viewer: 1, admin: 2, owner: 3 } as const;
const callers = ["anonymous", "viewer", "admin", "owner"] as const;
/** Public by design; anything else added here needs a reason. */
const PUBLIC_BY_DESIGN = new Set(["system.health"]);

let db: TTestDatabase;
let admins: Record<"owner" | "admin" | "viewer", TTestAdmin>;

beforeAll(async () => {
  db = await createTestDatabase();
  admins = await createAdmins(db.db);
});
afterAll(async () => db?.drop());

async function callAs(who: (typeof callers)[number], path: string): Promise<unknown> {
  const caller = callerFor(db.db, who === "anonymous" ? null : admins[who]) as unknown as Record<string, unknown>;
  const fn = path.split(".").reduce<unknown>((obj, key) => (obj as Record<string, unknown>)[key], caller) as (
    input?: unknown,
  ) => Promise<unknown>;
  try {
    // Invalid input on purpose: an allowed caller reaches validation (BAD_REQUEST) or runs; a refused one never gets there.
    return await fn({ __invalid: true });
  } catch (err) {
    return err;
  }
}

describe("authorization matrix", () => {
  it("covers every procedure of the root router", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(10);
    for (const [path, proc] of procedures) {
      expect(proc._def.meta?.role, `${path} has no role: build it from a role-named procedure`).toBeDefined();
      if (proc._def.meta?.role === "public")
        expect(PUBLIC_BY_DESIGN.has(path), `${path} is public but not listed as public by design`).toBe(true);
    }
  });

  for (const [path, proc] of procedures) {
    const role = proc._def.meta?.role ?? "owner";
    for (const who of callers) {
      const allowed = role === "public" || (who !== "anonymous" && RANK[who] >= RANK[role]);
      it(`${path} (${role}) ${allowed ? "admits" : "refuses"} ${who}`, async () => {
        const result = await callAs(who, path);
        if (allowed) {
          if (result instanceof TRPCError) expect(["UNAUTHORIZED", "FORBIDDEN"]).not.toContain(result.code);
        } else {
          expect(result).toBeInstanceOf(TRPCError);
          expect((result as TRPCError).code).toBe(who === "anonymous" ? "UNAUTHORIZED" : "FORBIDDEN");
        }
      });
    }
  }
});
