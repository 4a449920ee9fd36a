import { Resend } from "resend";
import { type EmailProvider, EmailSendError, MAX_BATCH, type TEmailMessage, type TReceivedEmail, type TSendOptions } from "./types";

type ResendError = { name?: string; message?: string; statusCode?: number | null } | null;

function classify(error: NonNullable<ResendError>, headers: Record<string, string> | null): EmailSendError {
  const status = typeof error.statusCode === "number" ? error.statusCode : null;
  const message = error.message || "The email provider refused the request";
  if (status === 429) {
    const retryAfter = Number(headers?.["retry-after"]);
    return new EmailSendError(message, "rate_limited", status, Number.isFinite(retryAfter) ? retryAfter * 1000 : 1000);
  }
  // No status: the request never got an answer (network error, timeout).
  if (status === null || status >= 500 || status === 408 || status === 409) {
    return new EmailSendError(message, "transient", status);
  }
  return new EmailSendError(message, "permanent", status);
}

function toPayload(m: TEmailMessage) {
  return {
    from: m.from,
    to: m.to,
    subject: m.subject,
    html: m.html,
    text: m.text ?? "",
    replyTo: m.replyTo,
    headers: m.headers,
    tags: m.tags,
  };
}

/**
 * A request that takes longer than this counts as a transient failure: the
 * caller retries with the same idempotency key, so an email the provider did
 * accept is not sent twice.
 */
const DEFAULT_TIMEOUT_MS = 20_000;

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new EmailSendError(`The email provider did not answer within ${ms} ms`, "transient", null)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends through Resend's official SDK; RESEND_BASE_URL points it elsewhere (tests, proxies). */
export class ResendProvider implements EmailProvider {
  readonly mode = "resend" as const;
  private readonly client: Resend;

  constructor(
    apiKey: string,
    baseUrl?: string,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.client = new Resend(apiKey, baseUrl ? { baseUrl } : undefined);
  }

  async send(message: TEmailMessage, options: TSendOptions = {}) {
    const { data, error, headers } = await withTimeout(
      this.client.emails.send(toPayload(message), { idempotencyKey: options.idempotencyKey }),
      this.timeoutMs,
    );
    if (error || !data) throw classify(error ?? { message: "Empty answer from the email provider" }, headers);
    return { id: data.id };
  }

  async sendBatch(messages: TEmailMessage[], options: TSendOptions = {}) {
    if (messages.length === 0) return [];
    if (messages.length > MAX_BATCH) throw new EmailSendError(`A batch holds at most ${MAX_BATCH} emails`, "permanent", null);
    const { data, error, headers } = await withTimeout(
      this.client.batch.send(messages.map(toPayload), { idempotencyKey: options.idempotencyKey }),
      this.timeoutMs,
    );
    if (error || !data) throw classify(error ?? { message: "Empty answer from the email provider" }, headers);
    return data.data.map((d) => ({ id: d.id }));
  }

  async getReceivedEmail(id: string): Promise<TReceivedEmail> {
    const { data, error, headers } = await withTimeout(this.client.emails.receiving.get(id), this.timeoutMs);
    if (error || !data) throw classify(error ?? { message: "Empty answer from the email provider" }, headers);
    return { id: data.id, from: data.from, to: data.to, subject: data.subject, text: data.text, html: data.html };
  }
}
