import { routeHandler } from "@/server/api/http/route-handler";
import { systemActor } from "@/server/services/context";
import { InvalidInputError, NotFoundError } from "@/server/services/errors";
import { recordPushClick } from "@/server/services/push/record-click";

export const dynamic = "force-dynamic";

/** A short page for the person who clicked: they are a user of the main app, not an admin, so no JSON. */
const page = (status: number, text: string) =>
  new Response(
    `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>VibrationFit</title><p style="font:16px system-ui;margin:3rem auto;max-width:32rem;padding:0 1rem">${text}</p>`,
    { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } },
  );

/**
 * GET /api/push/click/<token>: a notification was clicked. The click is
 * recorded and the browser sent on (303) to the campaign's or message's
 * link, read from the database — the URL names only the signed delivery.
 */
export const GET = routeHandler<{ public: ReturnType<typeof systemActor> }, { token: string }>(
  { public: systemActor("push-click") },
  async ({ ctx, params }) => {
    try {
      const { target } = await recordPushClick({ ctx, input: { token: params.token } });
      return new Response(null, {
        status: 303,
        headers: { location: target, "cache-control": "no-store", "referrer-policy": "no-referrer" },
      });
    } catch (err) {
      if (err instanceof NotFoundError) return page(404, "This notification's link is not valid.");
      if (err instanceof InvalidInputError) return page(400, "This notification's link can no longer be opened.");
      throw err;
    }
  },
);
