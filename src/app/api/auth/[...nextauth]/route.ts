import { NextRequest } from "next/server";
import { jsonResponse } from "@/server/api/http/json";
import { routeHandler } from "@/server/api/http/route-handler";
import { handlers } from "@/server/auth";
import { systemActor } from "@/server/services/context";

/**
 * next-auth's endpoints, narrowed to the ones the CRM uses. Its own sign-in
 * endpoint is closed: links come from the sign-in form (rate-limited, the same
 * answer for every address). A link's callback is used only by the POST of
 * the "Sign in" button on /sign-in/verify; a GET (a mail scanner prefetching
 * an old-style link) lands on that page and uses nothing up.
 */
const action = (request: NextRequest) => request.nextUrl.pathname.replace(/^\/api\/auth\/?/, "");
const notFound = () => jsonResponse({ error: "Not found" }, { status: 404 });
const asNext = (request: Request) => (request instanceof NextRequest ? request : new NextRequest(request));

export const GET = routeHandler({ public: systemActor("sign-in") }, async ({ request: raw }) => {
  const request = asNext(raw);
  const a = action(request);
  if (a === "callback/email") {
    const { searchParams } = request.nextUrl;
    const target = new URL("/sign-in/verify", request.nextUrl);
    for (const key of ["token", "email"]) target.searchParams.set(key, searchParams.get(key) ?? "");
    return new Response(null, { status: 303, headers: { location: `${target.pathname}${target.search}` } });
  }
  if (a === "session" || a === "csrf") return handlers.GET(request);
  return notFound();
});

export const POST = routeHandler({ public: systemActor("sign-in") }, async ({ request: raw }) => {
  const request = asNext(raw);
  const a = action(request);
  if (a === "callback/email" || a === "signout") return handlers.POST(request);
  return notFound();
});
