import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { firstLine, log } from "@/lib/log";
import { readBoundedText } from "@/server/api/http/body";
import { errorResponse } from "@/server/api/http/errors";
import { routeHandler } from "@/server/api/http/route-handler";
import { createRequestContext } from "@/server/api/request-context";
import { appRouter } from "@/server/api/root";
import { systemActor } from "@/server/services/context";
import { TooManyRequestsError } from "@/server/services/errors";

/** The most procedures one batched request may call (the browser's client batches at most this many). */
export const MAX_BATCH_SIZE = 10;
/** Inputs are small (the longest is a 20,000-character template): 1 MB is plenty. */
const MAX_TRPC_BODY_BYTES = 1_000_000;

/**
 * tRPC over HTTP. Mutations are JSON only: a cross-site form post
 * (multipart/form-data, urlencoded, text/plain — the kinds a browser sends
 * without asking first) is refused before anything runs, and so is a
 * request whose Origin is another site. Batches and bodies are bounded.
 */
const handler = routeHandler({ public: systemActor("trpc") }, async ({ request: req, requestId }) => {
  let request = req;
  if (req.method === "POST") {
    const type = req.headers.get("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) return errorResponse(415, "tRPC calls accept only application/json bodies");
    // Browsers say where a request comes from; only the CRM's own pages (or a non-browser client) may call.
    const site = req.headers.get("sec-fetch-site");
    if (site && site !== "same-origin" && site !== "none") return errorResponse(403, "Cross-site requests are not accepted");
    // Over 1 MB: a BodyTooLargeError, answered 413 by routeHandler.
    const body = await readBoundedText(req, MAX_TRPC_BODY_BYTES);
    request = new Request(req.url, { method: "POST", headers: req.headers, body, signal: req.signal });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    responseMeta({ errors }) {
      const limited = errors.map((e) => e.cause).find((c) => c instanceof TooManyRequestsError);
      return limited ? { headers: { "retry-after": String(limited.retryAfterSeconds) } } : {};
    },
    createContext: () => createRequestContext(requestId),
    onError({ path, error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") log("trpc").error(`${path ?? "?"}: ${firstLine(error)}`, { requestId });
    },
  });
});

export { handler as GET, handler as POST };
