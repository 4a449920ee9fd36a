import { apiRoute } from "@/server/api/http-api";
import { recordClickByUser } from "@/server/services/messaging/main-app-api";

export const dynamic = "force-dynamic";

/** POST /api/v1/users/:userId/messages/:messageId/click { link? }: the user clicked that message (or a link in it) in the app. */
export const POST = apiRoute<{ userId: string; messageId: string }>(["userId", "messageId"], async ({ ctx, params, body, request }) => ({
  data: await recordClickByUser({
    ctx,
    input: { ...params, body: request.headers.get("content-length") === "0" || !request.body ? {} : await body() },
  }),
}));
