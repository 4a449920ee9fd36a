import { apiRoute } from "@/server/api/http-api";
import { markReadByUser } from "@/server/services/messaging/main-app-api";

export const dynamic = "force-dynamic";

/** POST /api/v1/users/:userId/messages/:messageId/read: the user read that message in the app. */
export const POST = apiRoute<{ userId: string; messageId: string }>(["userId", "messageId"], async ({ ctx, params }) => ({
  data: await markReadByUser({ ctx, input: params }),
}));
