import { Resend } from "resend";
import { ZodError } from "zod";
import { env } from "@/lib/env";
import { readBoundedText } from "@/server/api/http/body";
import { jsonResponse } from "@/server/api/http/json";
import { routeHandler } from "@/server/api/http/route-handler";
import { EmailSendError } from "@/server/email/types";
import {
  APPLIED_EVENT_TYPES,
  applyProviderEventGrouped,
  recordUnhandledEvent,
  ZProviderEvent,
  ZWebhookEnvelope,
} from "@/server/services/campaigns/apply-provider-event";
import { receiveReply, ZReceivedEvent } from "@/server/services/messaging/receive-reply";

export const dynamic = "force-dynamic";

/** Standard Webhooks' tolerance: a delivery more than 5 minutes off is refused (replays, clock skew). */
const TOLERANCE_SECONDS = 5 * 60;

// One SDK client for verifying (verify() is local, no request): building one per request halved the throughput.
let verifier: Resend | null = null;
const getVerifier = () => {
  verifier ??= new Resend(env().RESEND_API_KEY ?? "re_verify_only");
  return verifier;
};

const reply = (status: number, body: Record<string, unknown>) => jsonResponse(body, { status, headers: { "cache-control": "no-store" } });

/**
 * Resend's webhooks. Before the body is read: the headers are present and
 * the timestamp is within 5 minutes; the body is read at most MAX_BODY_BYTES
 * (413 above). Then the Svix signature is checked on the raw body, and only
 * then is anything parsed or written: the event is stored once and applied
 * (with the events that arrived alongside it: group commit).
 */
export const POST = routeHandler({ public: { type: "webhook", provider: "resend" } }, async ({ request, ctx }) => {
  const secret = env().RESEND_WEBHOOK_SECRET;
  if (!secret) return reply(503, { error: "Webhooks are not configured: set RESEND_WEBHOOK_SECRET" });
  const id = request.headers.get("svix-id");
  const timestamp = request.headers.get("svix-timestamp");
  const signature = request.headers.get("svix-signature");
  if (!id || !timestamp || !signature) return reply(401, { error: "Missing svix-id, svix-timestamp or svix-signature" });
  const sentAt = Number(timestamp);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Date.now() / 1000 - sentAt) > TOLERANCE_SECONDS) {
    return reply(401, { error: "The timestamp is missing or more than 5 minutes off" });
  }
  // Over MAX_BODY_BYTES: a BodyTooLargeError, answered 413 by routeHandler.
  const raw = await readBoundedText(request, env().MAX_BODY_BYTES);
  try {
    getVerifier().webhooks.verify({
      payload: raw,
      headers: { id, timestamp, signature },
      webhookSecret: secret,
    });
  } catch (err) {
    // verify() checks the signature first and parses the body after: a SyntaxError means a signed body that is not JSON.
    if (err instanceof SyntaxError) return reply(400, { error: "Malformed event: the body is not JSON" });
    return reply(401, { error: "The signature does not match, or the timestamp is more than 5 minutes off" });
  }
  // Signed: from here on, answer 2xx unless the event is one the CRM applies and it is malformed
  // (a 4xx there is a bug worth seeing in the provider's dashboard, not a retry storm of unknown types).
  const detail = (err: unknown) =>
    err instanceof ZodError ? err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : "The body is not JSON";
  let envelope: ReturnType<typeof ZWebhookEnvelope.parse>;
  try {
    envelope = ZWebhookEnvelope.parse(JSON.parse(raw));
  } catch (err) {
    return reply(400, { error: `Malformed event: ${detail(err)}` });
  }
  if (envelope.type === "email.received") {
    const received = ZReceivedEvent.safeParse(envelope);
    if (!received.success) return reply(400, { error: `Malformed event: ${detail(received.error)}` });
    try {
      const result = await receiveReply({ ctx, input: { svixId: id, event: received.data } });
      return reply(200, { ok: true, outcome: result.outcome });
    } catch (err) {
      // The content could not be read from the provider: answer 503 so the provider delivers the event again later.
      if (err instanceof EmailSendError) return reply(503, { error: `Could not read the received email: ${err.message}` });
      throw err;
    }
  }
  if (!(APPLIED_EVENT_TYPES as readonly string[]).includes(envelope.type)) {
    const stored = await recordUnhandledEvent({ ctx, input: { svixId: id, event: envelope } });
    return reply(200, { ok: true, ignored: true, duplicate: !stored.stored });
  }
  const event = ZProviderEvent.safeParse(envelope);
  if (!event.success) return reply(400, { error: `Malformed event: ${detail(event.error)}` });
  const result = await applyProviderEventGrouped({ ctx, input: { svixId: id, event: event.data } });
  return reply(200, { ok: true, duplicate: !result.applied });
});
