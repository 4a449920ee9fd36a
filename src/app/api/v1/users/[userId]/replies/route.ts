import { apiRoute } from "@/server/api/http-api";
import { mainAppActor, postReply } from "@/server/services/messaging/main-app-api";

export const dynamic = "force-dynamic";

/** POST /api/v1/users/:userId/replies {"content": "…"}: the user's reply joins their thread. */
export const POST = apiRoute<{ userId: string }>(["userId"], async ({ db, key, params, body }) => ({
  status: 201,
  data: await postReply({ db, actor: mainAppActor(key.name) }, params.userId, await body()),
}));
