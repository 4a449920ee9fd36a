import { serve } from "inngest/next";
import { jobsMode } from "@/lib/env";
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
const gate =
  (handler: unknown): THandler =>
  (request, context) =>
    jobsMode() === "in-process"
      ? Promise.resolve(Response.json({ error: "Not found" }, { status: 404 }))
      : (handler as THandler)(request, context);

export const GET = gate(handlers.GET);
export const POST = gate(handlers.POST);
export const PUT = gate(handlers.PUT);
