import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, createAdmins, type TTestAdmin } from "../helpers/admins";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";
import { insertAppUsers } from "../helpers/users";

let db: TTestDatabase;
let viewer: TTestAdmin;
const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

beforeAll(async () => {
  db = await createTestDatabase();
  viewer = (await createAdmins(db.db, "ul")).viewer;
  await insertAppUsers(
    db,
    Array.from({ length: 7 }, (_, i) => ({
      id: uid(i + 1),
      email: i === 3 ? "pct_100%@example.com" : `user${i + 1}@example.com`,
      name: i === 2 ? "Zoë Ångström" : `User ${i + 1}`,
      createdAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
    })),
  );
});
afterAll(async () => db?.drop());

describe("users.list", () => {
  it("lists newest first and pages with a cursor without gaps or repeats", async () => {
    const caller = callerFor(db.db, viewer);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await caller.users.list({ limit: 3, cursor });
      seen.push(...page.items.map((u) => u.email));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([
      "user7@example.com",
      "user6@example.com",
      "user5@example.com",
      "pct_100%@example.com",
      "user3@example.com",
      "user2@example.com",
      "user1@example.com",
    ]);
  });

  it("searches email and name case-insensitively, treating % and _ literally", async () => {
    const caller = callerFor(db.db, viewer);
    expect((await caller.users.list({ search: "ÅNGSTRÖM" })).items.map((u) => u.id)).toEqual([uid(3)]);
    expect((await caller.users.list({ search: "100%" })).items.map((u) => u.id)).toEqual([uid(4)]);
    expect((await caller.users.list({ search: "r_1" })).items).toEqual([]);
  });

  it("rejects a forged cursor with a clear error", async () => {
    const caller = callerFor(db.db, viewer);
    await expect(caller.users.list({ cursor: "bm90LWEtY3Vyc29y" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "The page cursor is not valid; start from the first page",
    });
  });
});
