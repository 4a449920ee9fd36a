import { DrizzleAdapter } from "@auth/drizzle-adapter";
import type { NextAuthConfig } from "next-auth";
import { emailMode } from "@/lib/env";
import type { Db } from "@/server/db/client";
import { crmAdmins, crmAuthAccounts, crmAuthSessions, crmAuthVerificationTokens, type TAdminRole } from "@/server/db/schema";
import { createEmailProvider } from "@/server/email";
import { isInvitedAdmin, recordSignIn } from "@/server/services/auth/is-invited-admin";
import { MAGIC_LINK_MAX_AGE_SECONDS, sendMagicLink } from "@/server/services/auth/send-magic-link";
import { authSecret } from "./secret";

declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; name?: string | null; role: TAdminRole };
  }
}

/**
 * next-auth v5 (pinned) with magic links and database sessions in crm_ tables.
 * Only invited addresses (rows in crm_admins) can sign in; the role is read
 * from the admin row on every request, so a role change applies at once.
 */
export function buildAuthConfig(db: Db): NextAuthConfig {
  return {
    secret: authSecret(),
    trustHost: true,
    adapter: DrizzleAdapter(
      db as never,
      {
        usersTable: crmAdmins,
        accountsTable: crmAuthAccounts,
        sessionsTable: crmAuthSessions,
        verificationTokensTable: crmAuthVerificationTokens,
      } as never,
    ),
    session: { strategy: "database", maxAge: 30 * 24 * 60 * 60, updateAge: 24 * 60 * 60 },
    pages: { signIn: "/sign-in", verifyRequest: "/sign-in/check-email", error: "/sign-in" },
    providers: [
      {
        id: "email",
        type: "email",
        name: "Email",
        maxAge: MAGIC_LINK_MAX_AGE_SECONDS,
        options: {},
        normalizeIdentifier: (identifier: string) => identifier.trim().toLowerCase(),
        async sendVerificationRequest({ identifier, url }) {
          await sendMagicLink(createEmailProvider(db), { email: identifier, url });
        },
      },
    ],
    callbacks: {
      // Runs before a link is sent and again when it is used: uninvited addresses never get one.
      async signIn({ user, email }) {
        const address = user.email ?? "";
        if (!address) return false;
        const invited = await isInvitedAdmin(db, address);
        if (!invited) return email?.verificationRequest ? "/sign-in?error=not-invited" : false;
        return true;
      },
      session({ session, user }) {
        const admin = user as typeof user & { role: TAdminRole };
        return { ...session, user: { ...session.user, id: admin.id, email: admin.email, name: admin.name, role: admin.role } };
      },
    },
    events: {
      async signIn({ user }) {
        if (user.id) await recordSignIn(db, user.id);
      },
    },
    logger: {
      // next-auth logs the whole error object (with the request URL, which may hold a token); keep one line.
      error(error) {
        console.error(`[auth] ${error.name}: ${error.message}`);
      },
      warn(code) {
        if (emailMode() === "local-outbox" && code === "debug-enabled") return;
        console.warn(`[auth] warning: ${code}`);
      },
    },
  };
}
