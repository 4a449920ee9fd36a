import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/api/root";
import type { TProcedureMeta } from "@/server/api/trpc";
import { callerFor, createAdmins, type TTestAdmin } from "../helpers/admins";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

/**
 * Every procedure, called by anonymous, viewer, admin and owner. The role
 * each one needs is written here, not read from the procedure: giving a
 * procedure another role is a visible change to this table, and a
 * procedure missing from it (or in it but gone) fails the first test.
 */
const EXPECTED_ROLES: Record<string, "public" | "viewer" | "admin" | "owner"> = {
  "analytics.overview": "viewer",
  "analytics.appStatistics": "viewer",
  "analytics.retentionCohorts": "viewer",
  "analytics.rollupStatus": "viewer",
  "analytics.refreshNow": "admin",
  "users.list": "viewer",
  "users.count": "viewer",
  "users.get": "viewer",
  "users.timeline": "viewer",
  "users.emailHistory": "viewer",
  "users.suggestTags": "viewer",
  "users.plans": "viewer",
  "users.updateMetadata": "admin",
  "users.savedViews.list": "viewer",
  "users.savedViews.create": "viewer",
  "users.savedViews.delete": "viewer",
  "segments.list": "viewer",
  "segments.get": "viewer",
  "segments.preview": "viewer",
  "segments.create": "admin",
  "segments.update": "admin",
  "segments.delete": "admin",
  "segments.duplicate": "admin",
  "segments.recompute": "admin",
  "messaging.campaigns.list": "viewer",
  "messaging.campaigns.get": "viewer",
  "messaging.campaigns.funnel": "viewer",
  "messaging.campaigns.openRates": "viewer",
  "messaging.campaigns.clickRates": "viewer",
  "messaging.campaigns.pushDevices": "viewer",
  "messaging.campaigns.recipients": "viewer",
  "messaging.campaigns.audience": "viewer",
  "messaging.campaigns.create": "admin",
  "messaging.campaigns.update": "admin",
  "messaging.campaigns.duplicate": "admin",
  "messaging.campaigns.schedule": "admin",
  "messaging.campaigns.unschedule": "admin",
  "messaging.campaigns.pause": "admin",
  "messaging.campaigns.resume": "admin",
  "messaging.campaigns.cancel": "admin",
  "messaging.campaigns.sendToSegment": "admin",
  "messaging.templates.list": "viewer",
  "messaging.templates.get": "viewer",
  "messaging.templates.preview": "viewer",
  "messaging.templates.create": "admin",
  "messaging.templates.update": "admin",
  "messaging.templates.archive": "admin",
  "messaging.templates.send": "admin",
  "messaging.templates.sendTest": "admin",
  "messaging.directMessages.conversations": "viewer",
  "messaging.directMessages.conversation": "viewer",
  "messaging.directMessages.unreadCount": "viewer",
  "messaging.directMessages.send": "admin",
  "messaging.directMessages.quarantine": "viewer",
  "messaging.directMessages.markAsRead": "admin",
  "automations.list": "viewer",
  "automations.get": "viewer",
  "automations.report": "viewer",
  "automations.runs": "viewer",
  "automations.timeline": "viewer",
  "automations.create": "admin",
  "automations.update": "admin",
  "automations.turnOn": "admin",
  "automations.pause": "admin",
  "automations.archive": "admin",
  "automations.enrol": "admin",
  "automations.testRun": "admin",
  "automations.notifications": "viewer",
  "automations.markNotificationsRead": "admin",
  "automations.rules": "viewer",
  "automations.setRules": "admin",
  "search.anything": "viewer",
  "system.jobs": "viewer",
  "system.runJob": "admin",
  "messaging.push.status": "viewer",
  "messaging.push.devices": "viewer",
  "messaging.suppressions.list": "viewer",
  "messaging.suppressions.add": "admin",
  "messaging.suppressions.remove": "admin",
  "messaging.apiKeys.list": "owner",
  "messaging.apiKeys.create": "owner",
  "messaging.apiKeys.revoke": "owner",
  // Every email, sign-in links included: owners only, and only on the embedded database.
  "messaging.outbox.list": "owner",
  "messaging.outbox.get": "owner",
  "live.feed": "viewer",
  "admins.me": "viewer",
  "admins.setTimezone": "viewer",
  "admins.list": "owner",
  "admins.invite": "owner",
  "admins.changeRole": "owner",
  "admins.remove": "owner",
  // Public by design: reachability and modes, no configuration values.
  "system.health": "public",
  "system.jobRuns": "viewer",
  "system.runHeartbeat": "admin",
};

type AnyProcedure = { _def: { type: "query" | "mutation" | "subscription"; meta?: TProcedureMeta } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>);
const RANK = { public: 0, viewer: 1, admin: 2, owner: 3 } as const;
const callers = ["anonymous", "viewer", "admin", "owner"] as const;

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
  it("lists every procedure of the root router with the role written above", () => {
    const actual = Object.fromEntries(procedures.map(([path, proc]) => [path, proc._def.meta?.role]));
    expect(actual).toEqual(EXPECTED_ROLES);
  });

  for (const [path, role] of Object.entries(EXPECTED_ROLES)) {
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
