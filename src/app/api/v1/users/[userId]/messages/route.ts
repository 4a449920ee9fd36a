import { apiRoute } from "@/server/api/http-api";
import { listInAppMessages } from "@/server/services/messaging/main-app-api";

export const dynamic = "force-dynamic";

/** GET /api/v1/users/:userId/messages: the user's in-app inbox, newest first. */
export const GET = apiRoute<{ userId: string }>(["userId"], async ({ ctx, params }) => ({
  data: await listInAppMessages({ ctx, input: params }),
}));
