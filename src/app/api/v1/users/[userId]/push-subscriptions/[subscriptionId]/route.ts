import { apiRoute } from "@/server/api/http-api";
import { removePushSubscription } from "@/server/services/push/subscriptions";

export const dynamic = "force-dynamic";

/** DELETE /api/v1/users/:userId/push-subscriptions/:subscriptionId: that browser turned notifications off. */
export const DELETE = apiRoute<{ userId: string; subscriptionId: string }>(["userId", "subscriptionId"], async ({ ctx, params }) => ({
  data: await removePushSubscription({ ctx, input: params }),
}));
