import { jsonResponse } from "@/server/api/http/json";

export const dynamic = "force-dynamic";

/**
 * Liveness: the process answers. Nothing else is checked, so a slow or
 * unreachable database never gets a healthy instance restarted (that is
 * readiness's business: /api/health/ready).
 */
export function GET() {
  return jsonResponse({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
