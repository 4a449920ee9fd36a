import { apiRoute } from "@/server/api/http-api";
import { listPushSubscriptions, registerPushSubscription, removePushSubscription } from "@/server/services/push/subscriptions";

export const dynamic = "force-dynamic";

/** POST /api/v1/users/:userId/push-subscriptions <PushSubscription JSON>: 201 when new, 200 when that endpoint was known; 409 when push is not configured. */
export const POST = apiRoute<{ userId: string }>(["userId"], async ({ ctx, params, body }) => {
  const result = await registerPushSubscription({ ctx, input: { userId: params.userId, body: await body() } });
  return { status: result.created ? 201 : 200, data: result };
});

/** GET /api/v1/users/:userId/push-subscriptions: the user's subscribed browsers, newest first. */
export const GET = apiRoute<{ userId: string }>(["userId"], async ({ ctx, params }) => ({
  data: await listPushSubscriptions({ ctx, input: { userId: params.userId } }),
}));

/** DELETE /api/v1/users/:userId/push-subscriptions?endpoint=<url>: the browser turned notifications off (when only its endpoint is known). */
export const DELETE = apiRoute<{ userId: string }>(["userId"], async ({ ctx, params, request }) => ({
  data: await removePushSubscription({
    ctx,
    input: { userId: params.userId, endpoint: new URL(request.url).searchParams.get("endpoint") ?? undefined },
  }),
}));
