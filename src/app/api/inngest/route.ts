import { serve } from "inngest/next";
import { jobsMode } from "@/lib/env";
import { routeHandler } from "@/server/api/http/route-handler";
import { NotFoundError } from "@/server/services/errors";
import { inngest } from "~inngest/client";
import { functions } from "~inngest/functions";

/**
 * Inngest calls this endpoint to run functions and verifies nothing runs
 * without its signature (INNGEST_SIGNING_KEY, required with Inngest Cloud;
 * the unsigned Dev Server is refused in production at start). Without
 * Inngest the jobs run in-process and this endpoint does not exist.
 */
const handlers = serve({ client: inngest, functions });
type THandler = (request: Request, context: unknown) => Promise<Response>;
const inngestRoute = (handler: unknown) =>
  routeHandler({ public: { type: "system", job: "inngest" } }, async ({ request }) => {
    if (jobsMode() === "in-process") throw new NotFoundError("Not found");
    return (handler as THandler)(request, undefined);
  });

export const GET = inngestRoute(handlers.GET);
export const POST = inngestRoute(handlers.POST);
export const PUT = inngestRoute(handlers.PUT);
