import { z } from "zod";
import { env } from "@/lib/env";
import { readBoundedText } from "@/server/api/http/body";
import { routeHandler } from "@/server/api/http/route-handler";
import { canSimulateActivity, isSimulatingActivity, setActivitySimulation } from "@/server/demo-activity";
import { simulateActivity } from "@/server/services/demo-data/simulate-activity";
import { NotFoundError } from "@/server/services/errors";

export const dynamic = "force-dynamic";

/*
 * The local demo's activity (the main app is not running locally): only on
 * the embedded database; with a real database these endpoints do not exist.
 */
const embeddedOnly = () => {
  if (!canSimulateActivity()) throw new NotFoundError("Not found");
};

/** POST /api/dev/activity: a few demo users do something now. */
export const POST = routeHandler({ role: "admin" }, async ({ ctx }) => {
  embeddedOnly();
  return simulateActivity({ ctx, input: {} });
});

/** GET /api/dev/activity: whether the gentle simulation runs. */
export const GET = routeHandler({ role: "viewer" }, async () => {
  embeddedOnly();
  return { running: isSimulatingActivity() };
});

/** PUT /api/dev/activity {"running": true|false}: turn the simulation on or off (this server process). */
export const PUT = routeHandler({ role: "admin" }, async ({ request }) => {
  embeddedOnly();
  const text = await readBoundedText(request, env().MAX_BODY_BYTES);
  let raw: unknown = null;
  try {
    raw = JSON.parse(text);
  } catch {}
  // Not JSON, or no boolean `running`: a ZodError, answered 400 naming the field.
  const body = z.object({ running: z.boolean("running must be true or false") }).parse(raw ?? {});
  return { running: setActivitySimulation(body.running) };
});
