/**
 * tRPC, in three parts: the context (who is calling, which database), the
 * initialisation (superjson, error shape), and the role-named procedures.
 * Roles are enforced here and only here: a handler never checks a role.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import type { Db } from "@/server/db/client";
import type { TAdminRole } from "@/server/db/schema";
import type { AdminActor } from "@/server/services/context";
import { DomainError } from "@/server/services/errors";

// 1. Context ------------------------------------------------------------------

export type TRPCContext = {
  db: Db;
  /** The signed-in admin, or null for an anonymous caller. */
  admin: AdminActor | null;
};

export type AdminIdentity = { id: string; email: string; role: TAdminRole };

export function createContext(db: Db, admin: AdminIdentity | null): TRPCContext {
  return { db, admin: admin ? { type: "admin", ...admin } : null };
}

// 2. Initialisation -----------------------------------------------------------

export type TProcedureMeta = {
  /** The least role a caller needs. Every procedure has one; the authorization matrix test checks it. */
  role: "public" | TAdminRole;
};

const t = initTRPC
  .context<TRPCContext>()
  .meta<TProcedureMeta>()
  .create({
    transformer: superjson,
    // Server-sent events: a ping keeps idle connections open through proxies; a client that hears
    // nothing for 20 s reconnects (with its last event id).
    sse: { ping: { enabled: true, intervalMs: 10_000 }, client: { reconnectAfterInactivityMs: 20_000 } },
    errorFormatter({ shape, error }) {
      const zodError = error.cause instanceof ZodError ? error.cause : null;
      return {
        ...shape,
        message: zodError ? "Some fields are not valid" : shape.message,
        data: {
          ...shape.data,
          // Field errors for forms: { fieldErrors: { email: ["Enter a valid email address"] }, formErrors: [] }.
          zodError: zodError ? z.flattenError(zodError) : null,
          stack: undefined,
        },
      };
    },
  });

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

// 3. Procedures ---------------------------------------------------------------

const DOMAIN_TO_TRPC = {
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  FORBIDDEN: "FORBIDDEN",
  BAD_REQUEST: "BAD_REQUEST",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
} as const;

/** Maps domain errors thrown by services to tRPC codes, in one place. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: DOMAIN_TO_TRPC[cause.code], message: cause.message, cause });
  }
  return result;
});

const RANK: Record<TAdminRole, number> = { viewer: 1, admin: 2, owner: 3 };

function requireRole(role: TAdminRole) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.admin) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue" });
    if (RANK[ctx.admin.role] < RANK[role]) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${role} role; you are ${ctx.admin.role}` });
    }
    // Narrowed: handlers get a non-null admin without checking.
    return next({ ctx: { ...ctx, admin: ctx.admin } });
  });
}

const base = t.procedure.use(mapDomainErrors);

/** Public by design (health). Anything else must use a role below. */
export const publicProcedure = base.meta({ role: "public" });
/** Any signed-in admin, including read-only viewers. */
export const viewerProcedure = base.meta({ role: "viewer" }).use(requireRole("viewer"));
/** Admins and owners: edits users, segments, sends messages and campaigns. */
export const adminProcedure = base.meta({ role: "admin" }).use(requireRole("admin"));
/** Owners only: manages admins. */
export const ownerProcedure = base.meta({ role: "owner" }).use(requireRole("owner"));
