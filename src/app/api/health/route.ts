import { auth } from "@/server/auth";
import { getDb } from "@/server/db";
import { getHealth } from "@/server/services/health/get-health";

export const dynamic = "force-dynamic";

/**
 * Public by design: reachability and modes, no configuration values. The
 * database's error text only for a signed-in admin; the log always has it.
 */
export async function GET() {
  const db = await getDb().catch((err: unknown) => {
    console.error(`[health] database: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    return null;
  });
  const signedIn = db ? Boolean((await auth().catch(() => null))?.user) : false;
  const health = await getHealth(db, { detail: signedIn });
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
