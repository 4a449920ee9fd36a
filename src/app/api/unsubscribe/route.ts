import { env } from "@/lib/env";
import { routeHandler } from "@/server/api/http/route-handler";
import { systemActor } from "@/server/services/context";
import { unsubscribe } from "@/server/services/messaging/unsubscribe";

export const dynamic = "force-dynamic";

/**
 * RFC 8058 one-click unsubscribe: mail clients POST to the List-Unsubscribe
 * URL with `List-Unsubscribe=One-Click`. No cookie, no session: the signed
 * token in the URL is the authority. A GET goes to the confirmation page.
 */
export const POST = routeHandler({ public: systemActor("unsubscribe-link") }, async ({ request, ctx }) => {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  const result = await unsubscribe({ ctx, input: { token } });
  return { unsubscribed: result.email };
});

export const GET = routeHandler({ public: systemActor("unsubscribe-link") }, async ({ request }) => {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  return Response.redirect(new URL(`/unsubscribe?${new URLSearchParams({ token })}`, env().APP_URL), 303);
});
