import { apiRoute } from "@/server/api/http-api";
import { pushStatus } from "@/server/services/push/subscriptions";

export const dynamic = "force-dynamic";

/** GET /api/v1/push/public-key: the VAPID public key browsers subscribe with (applicationServerKey); configured: false without one. */
export const GET = apiRoute([], async ({ ctx }) => ({ data: pushStatus({ ctx, input: undefined }) }));
