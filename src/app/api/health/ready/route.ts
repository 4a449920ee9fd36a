import { jsonResponse } from "@/server/api/http/json";
import { routeHandler } from "@/server/api/http/route-handler";
import { systemActor } from "@/server/services/context";
import { getHealth } from "@/server/services/health/get-health";

export const dynamic = "force-dynamic";

/**
 * Readiness: this instance can serve requests — the database is open,
 * migrated and answers. 200 or 503, with no detail (a load balancer reads
 * the status); GET /api/health has the modes and the last job runs.
 */
export const GET = routeHandler({ public: systemActor("health") }, async ({ ctx }) => {
  const health = await getHealth({ ctx, input: { detail: false } });
  const ready = health.status === "ok";
  return jsonResponse({ status: ready ? "ready" : "not ready" }, { status: ready ? 200 : 503, headers: { "cache-control": "no-store" } });
});
