import { apiRoute } from "@/server/api/http-api";
import { postReply } from "@/server/services/messaging/main-app-api";

export const dynamic = "force-dynamic";

/** POST /api/v1/users/:userId/replies {"content": "…"}: the user's reply joins their thread. */
export const POST = apiRoute<{ userId: string }>(["userId"], async ({ ctx, params, body }) => ({
  status: 201,
  data: await postReply({ ctx, input: { userId: params.userId, body: await body() } }),
}));
