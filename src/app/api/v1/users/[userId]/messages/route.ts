import { z } from "zod";
import { apiRoute } from "@/server/api/http-api";
import { listInAppMessages } from "@/server/services/messaging/main-app-api";

export const dynamic = "force-dynamic";

const ZQuery = z.object({
  since: z.iso.datetime({ offset: true, error: "since must be an ISO 8601 time, e.g. 2026-12-02T10:00:00.000Z" }).optional(),
});

/** GET /api/v1/users/:userId/messages[?since=<ISO time>]: the user's in-app inbox, newest first; with since, only what is new. */
export const GET = apiRoute<{ userId: string }>(["userId"], async ({ ctx, params, request }) => {
  // A bad since is a ZodError naming the field: 400 from the route handler.
  const query = ZQuery.parse({ since: new URL(request.url).searchParams.get("since") ?? undefined });
  const since = query.since ? new Date(query.since) : undefined;
  return { data: await listInAppMessages({ ctx, input: { ...params, since } }) };
});
