import { env } from "@/lib/env";

/**
 * The client's address as the proxies in front of the CRM saw it: with N
 * trusted proxies (TRUSTED_PROXY_HOPS), the N-th address from the end of
 * X-Forwarded-For; what a client writes before that is ignored. With no
 * proxy (0), or no header, every caller shares one key ("direct").
 */
export function clientIp(headers: Headers, hops = env().TRUSTED_PROXY_HOPS): string {
  if (hops === 0) return "direct";
  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (forwarded.length === 0) return "direct";
  return forwarded[Math.max(0, forwarded.length - hops)] ?? "direct";
}
