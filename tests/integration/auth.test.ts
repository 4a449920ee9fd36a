import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAuthConfig } from "@/server/auth/config";
import { createEmailProvider } from "@/server/email";
import { listOutbox } from "@/server/email/local-outbox-provider";
import { sendMagicLink } from "@/server/services/auth/send-magic-link";
import { createAdmins } from "../helpers/admins";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

let db: TTestDatabase;
beforeAll(async () => {
  process.env.AUTH_SECRET = "test-secret-test-secret-test-secret-0123";
  db = await createTestDatabase(undefined, { sourceTables: false });
  await createAdmins(db.db, "auth");
});
afterAll(async () => db?.drop());

describe("admin sign-in", () => {
  it("lets only invited admins use a link, and emails the link in both parts of a sign-in email", async () => {
    const config = buildAuthConfig(db.db);
    const signIn = config.callbacks?.signIn;
    if (!signIn) throw new Error("signIn callback missing");
    expect(await signIn({ user: { email: "auth-viewer@example.com" } } as never)).toBe(true);
    // A link for an address removed in the meantime is refused.
    expect(await signIn({ user: { email: "gone@example.com" } } as never)).toBe(false);

    const provider = config.providers[0] as unknown as {
      sendVerificationRequest: (p: { identifier: string; url: string }) => Promise<void>;
      normalizeIdentifier: (s: string) => string;
    };
    expect(provider.normalizeIdentifier("  Auth-Viewer@Example.COM ")).toBe("auth-viewer@example.com");
    // next-auth never sends links itself: the CRM's sign-in form does (rate-limited, same answer for everyone).
    await expect(provider.sendVerificationRequest({ identifier: "auth-viewer@example.com", url: "http://x" })).rejects.toThrow(
      /issued by the CRM/,
    );
    const url = "http://localhost:3000/sign-in/verify?token=abc123&email=auth-viewer%40example.com";
    await sendMagicLink(createEmailProvider(db.db), { email: "auth-viewer@example.com", url });
    const [mail] = await listOutbox(db.db);
    expect(mail).toMatchObject({ to: ["auth-viewer@example.com"], subject: "Your sign-in link for the VibrationFit CRM" });
    const [full] = await db.query<{ html: string; text: string }>("SELECT html, text FROM crm_email_outbox WHERE id = $1", [mail?.id]);
    expect(full?.html).toContain('href="http://localhost:3000/sign-in/verify?token=abc123&amp;email=auth-viewer%40example.com"');
    expect(full?.text).toContain(url);
    expect(full?.text).toContain("123 Example Street");
  });

  it("records a completed sign-in on the admin and in the audit log", async () => {
    const [admin] = await db.query<{ id: string }>("SELECT id FROM crm_admins WHERE email = 'auth-admin@example.com'");
    await buildAuthConfig(db.db).events?.signIn?.({ user: { id: admin?.id } } as never);
    const [row] = await db.query<{ signed_in: boolean; audits: number }>(
      "SELECT last_sign_in_at IS NOT NULL AS signed_in, (SELECT count(*)::int FROM crm_audit_log WHERE action = 'admin.signed_in' AND target_id = $1) AS audits FROM crm_admins WHERE id = $1::uuid",
      [admin?.id],
    );
    expect(row).toEqual({ signed_in: true, audits: 1 });
  });

  it("puts the admin's current role on the session", async () => {
    const config = buildAuthConfig(db.db);
    const session = await config.callbacks?.session?.({
      session: { user: { email: "x" }, expires: new Date().toISOString() },
      user: { id: "id-1", email: "auth-admin@example.com", name: "A", role: "admin", emailVerified: null },
    } as never);
    expect((session as { user: unknown }).user).toEqual({ email: "auth-admin@example.com", id: "id-1", name: "A", role: "admin" });
  });
});
