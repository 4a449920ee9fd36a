import { getDb } from "@/server/db";
import { DomainError } from "@/server/services/errors";
import { unsubscribe } from "@/server/services/messaging/unsubscribe";

export const dynamic = "force-dynamic";

/**
 * RFC 8058 one-click unsubscribe: mail clients POST to the List-Unsubscribe
 * URL with `List-Unsubscribe=One-Click`. No cookie, no session: the signed
 * token in the URL is the authority. A GET goes to the confirmation page.
 */
export async function POST(request: Request) {
  const token = new URL(request.url).searchParams.get("token") ?? "";
  try {
    const result = await unsubscribe(await getDb(), token);
    return Response.json({ unsubscribed: result.email }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof DomainError) return Response.json({ error: err.message }, { status: 400 });
    throw err;
  }
}

export function GET(request: Request) {
  const url = new URL(request.url);
  return Response.redirect(new URL(`/unsubscribe?token=${encodeURIComponent(url.searchParams.get("token") ?? "")}`, url), 303);
}
