import { databaseMode } from "@/lib/env";
import { createRequestContext } from "@/server/api/request-context";
import { simulateActivity } from "@/server/services/demo-data/simulate-activity";

export const dynamic = "force-dynamic";

/**
 * POST /api/dev/activity: in the embedded local mode only, a signed-in admin
 * makes a few demo users active now (the main app is not running locally).
 * With a real database this endpoint does not exist.
 */
export async function POST() {
  if (databaseMode() !== "embedded") return new Response("Not found", { status: 404 });
  const ctx = await createRequestContext();
  if (!ctx.admin || ctx.admin.role === "viewer") return Response.json({ error: "Sign in as an admin" }, { status: 401 });
  return Response.json(await simulateActivity(ctx.db));
}
