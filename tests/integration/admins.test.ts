import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBootstrapOwner } from "@/server/services/admins/ensure-bootstrap-owner";
import { callerFor, createAdmins, type TTestAdmin } from "../helpers/admins";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

let db: TTestDatabase;
let admins: Record<"owner" | "admin" | "viewer", TTestAdmin>;

beforeAll(async () => {
  db = await createTestDatabase();
  admins = await createAdmins(db.db, "adm");
});
afterAll(async () => db?.drop());

const auditRows = (action: string) =>
  db.query<{ actor_email: string; target_id: string; before: unknown; after: unknown }>(
    "SELECT actor_email, target_id, before, after FROM crm_audit_log WHERE action = $1 ORDER BY id",
    [action],
  );

describe("admins", () => {
  it("an owner invites an address (normalised to lower case) and the audit log says who did it", async () => {
    const owner = callerFor(db.db, admins.owner);
    const invited = await owner.admins.invite({ email: "  New.Person@Example.com ", role: "admin" });
    expect(invited).toMatchObject({ email: "new.person@example.com", role: "admin" });
    const list = await owner.admins.list();
    expect(list.map((a) => a.email)).toContain("new.person@example.com");
    const [audit] = await auditRows("admin.invited");
    expect(audit).toMatchObject({ actor_email: admins.owner.email, target_id: invited.id });
  });

  it("refuses a second invite of the same address with a clear conflict, whatever its case", async () => {
    const owner = callerFor(db.db, admins.owner);
    const err = await owner.admins.invite({ email: "NEW.PERSON@example.com", role: "viewer" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect(err).toMatchObject({ code: "CONFLICT", message: "new.person@example.com is already an admin" });
  });

  it("returns field errors for an invalid email and changes nothing", async () => {
    const owner = callerFor(db.db, admins.owner);
    const before = (await owner.admins.list()).length;
    const err = (await owner.admins.invite({ email: "not-an-email", role: "viewer" }).catch((e: unknown) => e)) as TRPCError;
    expect(err.code).toBe("BAD_REQUEST");
    expect((await owner.admins.list()).length).toBe(before);
  });

  it("changes a role and records before/after", async () => {
    const owner = callerFor(db.db, admins.owner);
    await owner.admins.changeRole({ adminId: admins.viewer.id, role: "admin" });
    const row = (await owner.admins.list()).find((a) => a.id === admins.viewer.id);
    expect(row?.role).toBe("admin");
    const audits = await auditRows("admin.role_changed");
    expect(audits.at(-1)).toMatchObject({ target_id: admins.viewer.id, before: { role: "viewer" }, after: { role: "admin" } });
  });

  it("never leaves the CRM without an owner: the last owner can neither be demoted nor removed", async () => {
    const owner = callerFor(db.db, admins.owner);
    const auditsBefore = (await auditRows("admin.removed")).length;
    await expect(owner.admins.remove({ adminId: admins.owner.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "You cannot remove the last owner",
    });
    await expect(owner.admins.changeRole({ adminId: admins.owner.id, role: "viewer" })).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await auditRows("admin.removed")).length).toBe(auditsBefore);
    // With a second owner, the first may step down.
    await owner.admins.changeRole({ adminId: admins.admin.id, role: "owner" });
    await owner.admins.changeRole({ adminId: admins.owner.id, role: "admin" });
    const roles = Object.fromEntries((await callerFor(db.db, { ...admins.admin, role: "owner" }).admins.list()).map((a) => [a.id, a.role]));
    expect(roles[admins.owner.id]).toBe("admin");
    expect(roles[admins.admin.id]).toBe("owner");
  });

  it("removes an admin and says so in the audit log", async () => {
    const newOwner = callerFor(db.db, { ...admins.admin, role: "owner" });
    const target = (await newOwner.admins.list()).find((a) => a.email === "new.person@example.com");
    expect(target).toBeDefined();
    await newOwner.admins.remove({ adminId: target?.id ?? "" });
    expect((await newOwner.admins.list()).some((a) => a.email === "new.person@example.com")).toBe(false);
    const [audit] = await auditRows("admin.removed");
    expect(audit).toMatchObject({ target_id: target?.id, before: { email: "new.person@example.com" } });
  });

  it("a missing admin is a clear not-found", async () => {
    const newOwner = callerFor(db.db, { ...admins.admin, role: "owner" });
    await expect(newOwner.admins.remove({ adminId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("bootstrap owner", () => {
  it("creates the configured owner once, and does nothing when an owner exists", async () => {
    const fresh = await createTestDatabase(undefined, { sourceTables: false });
    try {
      await ensureBootstrapOwner(fresh.db, "Boss@Example.com");
      await ensureBootstrapOwner(fresh.db, "boss@example.com");
      await ensureBootstrapOwner(fresh.db, "someone-else@example.com");
      const rows = await fresh.query<{ email: string; role: string }>("SELECT email, role FROM crm_admins");
      expect(rows).toEqual([{ email: "boss@example.com", role: "owner" }]);
      const audits = await fresh.query<{ actor_email: string }>("SELECT actor_email FROM crm_audit_log");
      expect(audits).toEqual([{ actor_email: "system:bootstrap" }]);
    } finally {
      await fresh.drop();
    }
  });
});
