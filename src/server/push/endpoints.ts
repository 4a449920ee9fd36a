/*
 * Which push services the CRM will contact. A subscription's endpoint comes
 * from a browser, through the main app: without this check anyone who can
 * register a subscription could make the CRM POST to any address (SSRF).
 */

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
export const MAX_ENDPOINT_LENGTH = 2048;

function hostMatches(pattern: string, url: URL): boolean {
  const m = /^(\*\.)?([^:]+|\[[^\]]+\])(?::(\*|\d+))?$/.exec(pattern);
  if (!m) return false;
  const [, wildcard, host, port] = m;
  const hostname = url.hostname.toLowerCase();
  const hostOk = wildcard ? hostname.endsWith(`.${host}`) : hostname === host;
  const portOk = port === "*" || (port === undefined ? url.port === "" : url.port === port);
  return hostOk && portOk;
}

/** Null when the CRM may send to this endpoint; else why not, in words an admin or a developer can act on. */
export function endpointProblem(endpoint: string, allowedHosts: readonly string[]): string | null {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) return `The endpoint is longer than ${MAX_ENDPOINT_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "The endpoint is not a URL";
  }
  if (url.username || url.password) return "The endpoint must not carry credentials";
  const loopback = LOOPBACK.has(url.hostname.toLowerCase());
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) return "The endpoint must be an https:// URL";
  if (!allowedHosts.some((p) => hostMatches(p, url))) {
    return `${url.host} is not a known push service (allowed: ${allowedHosts.join(", ")}; set PUSH_SERVICE_HOSTS to change)`;
  }
  return null;
}

/** The push service's host, as the report shows it. */
export const pushServiceOf = (endpoint: string) => {
  try {
    return new URL(endpoint).host.slice(0, 200);
  } catch {
    return "unknown";
  }
};
