import { databaseMode } from "@/lib/env";
import { routeHandler } from "@/server/api/http/route-handler";
import { simulateActivity } from "@/server/services/demo-data/simulate-activity";
import { NotFoundError } from "@/server/services/errors";

export const dynamic = "force-dynamic";

/**
 * POST /api/dev/activity: in the embedded local mode only, an admin makes a
 * few demo users active now (the main app is not running locally). With a
 * real database this endpoint does not exist.
 */
export const POST = routeHandler({ role: "admin" }, async ({ ctx }) => {
  if (databaseMode() !== "embedded") throw new NotFoundError("Not found");
  return simulateActivity({ ctx, input: {} });
});
