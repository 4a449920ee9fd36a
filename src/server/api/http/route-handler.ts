import { ZodError, z } from "zod";
import { firstLine, log, withRequestId } from "@/lib/log";
import { API_POLICY, securityHeaders, UNPROXIED_PREFIX } from "@/lib/security-headers";
import { getDb } from "@/server/db";
import type { Db } from "@/server/db/client";
import { serviceContext } from "@/server/runtime";
import type { Actor, AdminActor, TServiceCtx } from "@/server/services/context";
import { DomainError, UnavailableError } from "@/server/services/errors";
import type { TAdminRole } from "@/shared/enums";
import { sessionAdmin } from "../request-context";
import { hasRole } from "../roles";
import { requestIdOf } from "./body";
import { BodyTooLargeError, domainErrorResponse, errorResponse, internalErrorResponse } from "./errors";
import { jsonResponse } from "./json";

/**
 * Who may reach a route handler: a signed-in admin of at least `role` (the
 * same rule as the role-named tRPC procedures), or anyone, acting as
 * `actor` (a webhook, an unsubscribe link, the main app before its key is
 * checked). `session: "optional"` also reads the session of a public route. A route src/proxy.ts skips
 * (UNPROXIED_PREFIX) gets a fresh request id and its answers the API's security headers here.
 */
export type TRouteAccess = { role: TAdminRole } | { public: Actor; session?: "optional" };

export type TRouteArgs<P, A extends Actor> = {
  request: Request;
  params: P;
  db: Db;
  ctx: TServiceCtx<A>;
  /** The signed-in admin, on admin routes and on public ones that read the session. */
  admin: AdminActor | null;
  requestId: string;
};

/** The actor a handler sees: an admin on role routes, the route's own public actor otherwise. */
type TAccessActor<T extends TRouteAccess> = T extends { role: TAdminRole }
  ? AdminActor
  : T extends { public: infer A extends Actor }
    ? A
    : Actor;

async function sessionActor(): Promise<AdminActor | null> {
  const admin = await sessionAdmin();
  return admin ? { type: "admin", ...admin } : null;
}

/**
 * Every route handler goes through this: the role check, the service
 * context, and one mapping of errors to statuses (http/errors.ts, the table
 * tRPC uses too). A handler returns a Response (a stream, a redirect) or
 * data, sent as JSON.
 */
export function routeHandler<T extends TRouteAccess, P extends Record<string, string> = Record<string, never>>(
  access: T,
  handler: (args: TRouteArgs<P, TAccessActor<T>>) => Promise<Response | unknown>,
) {
  return async (request: Request, context?: { params?: Promise<P> }): Promise<Response> => {
    const proxied = !new URL(request.url).pathname.startsWith(UNPROXIED_PREFIX);
    // A client's x-request-id is never taken as ours: src/proxy.ts replaces it, and a route it skips makes one.
    const requestId = proxied ? requestIdOf(request) : crypto.randomUUID();
    // Every line logged while this request is handled carries its id (lib/log.ts).
    const response = await withRequestId(requestId, () => handle(request, requestId, context));
    if (!proxied) {
      response.headers.set("x-request-id", requestId);
      response.headers.set("content-security-policy", API_POLICY);
      for (const [name, value] of Object.entries(securityHeaders())) response.headers.set(name, value);
    }
    return response;
  };

  async function handle(request: Request, requestId: string, context?: { params?: Promise<P> }): Promise<Response> {
    try {
      const db = await getDb().catch((err: unknown) => {
        log("db").error(firstLine(err), { requestId });
        throw new UnavailableError("The database could not be opened");
      });
      let admin: AdminActor | null = null;
      let actor: Actor;
      if ("role" in access) {
        admin = await sessionActor();
        if (!admin) return errorResponse(401, "Sign in to continue");
        if (!hasRole(admin.role, access.role)) return errorResponse(403, `This needs the ${access.role} role; you are ${admin.role}`);
        actor = admin;
      } else {
        if (access.session === "optional") admin = await sessionActor().catch(() => null);
        actor = access.public;
      }
      const params = ((await context?.params) ?? {}) as P;
      const result = await handler({
        request,
        params,
        db,
        ctx: serviceContext(db, actor) as TServiceCtx<TAccessActor<T>>,
        admin,
        requestId,
      });
      if (result instanceof Response) return result;
      return jsonResponse(result, { headers: { "cache-control": "no-store" } });
    } catch (err) {
      if (err instanceof BodyTooLargeError) return errorResponse(413, err.message);
      if (err instanceof ZodError) {
        return errorResponse(400, "The request is not valid", { fields: z.flattenError(err).fieldErrors as Record<string, string[]> });
      }
      if (err instanceof DomainError) return domainErrorResponse(err);
      return internalErrorResponse(err, `${request.method} ${new URL(request.url).pathname}`, requestId);
    }
  }
}
