import { serve } from "inngest/next";
import { inngest } from "~inngest/client";
import { functions } from "~inngest/functions";

/** Inngest calls this endpoint to run functions; it verifies Inngest's signature itself. */
export const { GET, POST, PUT } = serve({ client: inngest, functions });
