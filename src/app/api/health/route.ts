import { jsonResponse } from "@/server/api/http/json";
import { routeHandler } from "@/server/api/http/route-handler";
import { systemActor } from "@/server/services/context";
import { getHealth } from "@/server/services/health/get-health";

export const dynamic = "force-dynamic";

/**
 * Public by design: reachability and modes, no configuration values. The
 * database's error text only for a signed-in admin; the log always has it.
 * A database that cannot be opened at all answers 503 (route-handler.ts).
 */
export const GET = routeHandler({ public: systemActor("health"), session: "optional" }, async ({ ctx, admin }) => {
  const health = await getHealth({ ctx, input: { detail: admin !== null } });
  return jsonResponse(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
});
