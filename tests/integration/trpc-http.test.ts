import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { createAdmins, type TTestAdmin } from "../helpers/admins";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

/** The HTTP shape the browser sees: status codes, field errors for forms, no stack traces. */
let db: TTestDatabase;
let owner: TTestAdmin;
beforeAll(async () => {
  db = await createTestDatabase(undefined, { sourceTables: false });
  owner = (await createAdmins(db.db, "http")).owner;
});
afterAll(async () => db?.drop());

const call = (path: string, admin: TTestAdmin | null, body?: unknown) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    router: appRouter,
    createContext: () => createContext(db.db, admin),
    req: new Request(`http://localhost/api/trpc/${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(superjson.serialize(body)),
    }),
  });

describe("tRPC over HTTP", () => {
  it("answers a form's invalid input with 400 and per-field messages", async () => {
    const res = await call("admins.invite", owner, { email: "nope", role: "boss" });
    expect(res.status).toBe(400);
    const text = await res.text();
    const { error } = JSON.parse(text) as { error: { json: { message: string; data: Record<string, unknown> } } };
    expect(error.json.message).toBe("Some fields are not valid");
    expect(error.json.data.zodError).toEqual({
      formErrors: [],
      fieldErrors: { email: ["Enter a valid email address"], role: [expect.stringContaining("Invalid option")] },
    });
    // No stack trace or source path reaches the client.
    expect(text).not.toMatch(/\.tsx?:\d+|node_modules/);
  });

  it("maps domain errors to HTTP statuses with their message", async () => {
    const res = await call("admins.remove", owner, { adminId: owner.id });
    expect(res.status).toBe(409);
    const { error } = (await res.json()) as { error: { json: { message: string } } };
    expect(error.json.message).toBe("You cannot remove the last owner");
  });

  it("refuses anonymous callers with 401 and serves health to anyone", async () => {
    expect((await call("admins.list", null)).status).toBe(401);
    const health = await call("system.health", null);
    expect(health.status).toBe(200);
  });
});
