import { DrizzleAdapter } from "@auth/drizzle-adapter";
import type { NextAuthConfig } from "next-auth";
import { env, localOutboxVisible } from "@/lib/env";
import { log } from "@/lib/log";
import type { Db } from "@/server/db/client";
import { crmAdmins, crmAuthAccounts, crmAuthSessions, crmAuthVerificationTokens } from "@/server/db/schema";
import { isInvitedAdmin, recordSignIn } from "@/server/services/auth/is-invited-admin";
import { MAGIC_LINK_MAX_AGE_SECONDS } from "@/server/services/auth/send-magic-link";
import type { TAdminRole } from "@/shared/enums";
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
 *
 * The CRM issues links itself (services/auth/sign-in-links.ts); next-auth
 * checks a link when /sign-in/verify posts it back, and keeps sessions. Its
 * idea of the CRM's URL is APP_URL (set as AUTH_URL below): links, callbacks,
 * redirects and cookie security never follow a request's Host or
 * X-Forwarded-Host header.
 */
export function buildAuthConfig(db: Db): NextAuthConfig {
  const appUrl = new URL(env().APP_URL);
  process.env.AUTH_URL = appUrl.origin;
  return {
    secret: authSecret(),
    // Safe with AUTH_URL set: next-auth rewrites every request's origin to it.
    trustHost: true,
    useSecureCookies: appUrl.protocol === "https:",
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
        // next-auth's own sign-in endpoint is closed (app/api/auth route): links come from requestSignInLink.
        async sendVerificationRequest() {
          throw new Error("Sign-in links are issued by the CRM's sign-in form, not by next-auth");
        },
      },
    ],
    callbacks: {
      // Runs when a link is used: an address removed since the link was sent is refused.
      async signIn({ user }) {
        const address = user.email ?? "";
        if (!address) return false;
        return isInvitedAdmin(db, address);
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
        log("auth").error(`${error.name}: ${error.message}`);
      },
      warn(code) {
        if (localOutboxVisible() && code === "debug-enabled") return;
        log("auth").warn(`warning: ${code}`);
      },
    },
  };
}
