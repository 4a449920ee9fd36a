import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, createAdmins } from "../helpers/admins";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

describe.each(engines())("find anything (the command palette) on %s", (engine) => {
  let db: TTestDatabase;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  const search = (q: string) => callerFor(db.db, admins.viewer).search.anything({ q });

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    admins = await createAdmins(db.db, `search-${engine}`);
    await insertSourceRows(db, {
      users: [
        { id: uuid(1), email: "ana.lima@hey.com", name: "Ana Lima", created_at: "2026-01-01T00:00:00Z", last_active_at: null },
        { id: uuid(2), email: "banana@example.com", name: "Ben Ode", created_at: "2026-01-02T00:00:00Z", last_active_at: null },
        { id: uuid(3), email: "cy_100%@example.com", name: null, created_at: "2026-01-03T00:00:00Z", last_active_at: null },
        ...Array.from({ length: 12 }, (_, i) => ({
          id: uuid(10 + i),
          email: `many${i}@bulk.example`,
          name: `Bulk ${i}`,
          created_at: "2026-01-04T00:00:00Z",
          last_active_at: null,
        })),
      ],
    });
    await callerFor(db.db, admins.admin).segments.create({
      name: "Ana's friends",
      criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "email", op: "contains", value: "ana" }] },
    });
  });
  afterAll(async () => db?.drop());

  it("finds a user by id, by part of the email and by name, best match first", async () => {
    expect((await search(uuid(2))).users).toEqual([{ id: uuid(2), email: "banana@example.com", name: "Ben Ode" }]);
    expect((await search(uuid(2).toUpperCase())).users.map((u) => u.id)).toEqual([uuid(2)]);
    // "ana": Ana's address starts with it, so she comes before banana.
    expect((await search("ana")).users.map((u) => u.email)).toEqual(["ana.lima@hey.com", "banana@example.com"]);
    expect((await search("ben o")).users.map((u) => u.id)).toEqual([uuid(2)]);
    // % and _ are literal.
    expect((await search("y_100%")).users.map((u) => u.id)).toEqual([uuid(3)]);
    expect((await search("y_1000")).users).toEqual([]);
  });

  it("finds segments, campaigns and templates by name, and caps users with a link to all", async () => {
    const found = await search("ana");
    expect(found.segments.map((s) => s.name)).toEqual(["Ana's friends"]);
    const bulk = await search("bulk");
    expect(bulk.users).toHaveLength(8);
    expect(bulk.moreUsers).toBe(true);
  });

  it("searches users only from 3 characters (or an id), and refuses an empty or oversized query", async () => {
    const short = await search("an");
    expect(short).toMatchObject({ users: [], usersNeedMore: true });
    await expect(search("  ")).rejects.toThrow(/Type something to search/);
    await expect(search("x".repeat(201))).rejects.toThrow(/At most 200 characters/);
    await expect(callerFor(db.db, null).search.anything({ q: "ana" })).rejects.toThrow(/UNAUTHORIZED|Sign in/);
  });
});
