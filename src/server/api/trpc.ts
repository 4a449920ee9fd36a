/**
 * tRPC, in three parts: the context (who is calling, which database), the
 * initialisation (superjson, error shape), and the role-named procedures.
 * Roles are enforced here and only here: a handler never checks a role.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import type { Db } from "@/server/db/client";
import { serviceContext } from "@/server/runtime";
import { type AdminActor, type SystemActor, systemActor, type TServiceCtx } from "@/server/services/context";
import { DomainError } from "@/server/services/errors";
import { acquireHeavyRead } from "@/server/services/limits/heavy-reads";
import type { TAdminRole } from "@/shared/enums";
import { DOMAIN_ERRORS } from "./http/errors";
import { hasRole } from "./roles";

// 1. Context ------------------------------------------------------------------

export type TRPCContext = {
  db: Db;
  /** The signed-in admin, or null for an anonymous caller. */
  admin: AdminActor | null;
  /** Names the request in the log and in the message of an unexpected error. */
  requestId: string;
  /** What services receive (server/runtime.ts): the admin as actor once a role-named procedure has checked them. */
  svc: TServiceCtx<AdminActor | SystemActor>;
};

export type AdminIdentity = { id: string; email: string; role: TAdminRole };

export function createContext(db: Db, admin: AdminIdentity | null, requestId: string = crypto.randomUUID()): TRPCContext {
  const actor: AdminActor | null = admin ? { type: "admin", ...admin } : null;
  return { db, admin: actor, requestId, svc: serviceContext(db, actor ?? systemActor("anonymous")) };
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
    errorFormatter({ shape, error, ctx }) {
      const zodError = error.cause instanceof ZodError ? error.cause : null;
      // An unexpected error may carry SQL or parameters: the client gets only the request id (the log has the rest).
      // A domain error's message is written for admins (one thrown while a subscription streams arrives here unmapped).
      const internal = error.code === "INTERNAL_SERVER_ERROR" && !(error.cause instanceof DomainError);
      return {
        ...shape,
        message: zodError
          ? "Some fields are not valid"
          : internal
            ? `Something went wrong on our side (request ${ctx?.requestId ?? "unknown"})`
            : shape.message,
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

/** Maps domain errors thrown by services to tRPC codes, from the one table (DOMAIN_ERRORS) route handlers use too. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: DOMAIN_ERRORS[cause.code].trpc, message: cause.message, cause });
  }
  return result;
});

function requireRole(role: TAdminRole) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.admin) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue" });
    if (!hasRole(ctx.admin.role, role)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${role} role; you are ${ctx.admin.role}` });
    }
    // Narrowed: handlers get a non-null admin, and services an admin actor, without checking.
    return next({ ctx: { ...ctx, admin: ctx.admin, svc: ctx.svc as TServiceCtx<AdminActor> } });
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

/**
 * For reads that scan the main app's tables (segment preview, users count):
 * at most MAX_HEAVY_READS_PER_ADMIN at once per admin, refused with
 * TOO_MANY_REQUESTS beyond. Use after a role-named procedure.
 */
export const limitHeavyReads = t.middleware(async ({ ctx, next }) => {
  const admin = ctx.admin;
  if (!admin) return next();
  const release = acquireHeavyRead(admin.id);
  try {
    return await next();
  } finally {
    release();
  }
});
