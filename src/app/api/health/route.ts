import { getDb } from "@/server/db";
import { getHealth } from "@/server/services/health/get-health";

export const dynamic = "force-dynamic";

/** Public by design: reachability and modes, no configuration values. */
export async function GET() {
  const db = await getDb().catch((err: unknown) => {
    console.error(`[health] database: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    return null;
  });
  const health = await getHealth(db);
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
