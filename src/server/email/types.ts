/** One email as the CRM hands it to a provider. */
export type TEmailMessage = {
  to: string[];
  from: string;
  replyTo?: string;
  subject: string;
  html?: string;
  text?: string;
  headers?: Record<string, string>;
  tags?: { name: string; value: string }[];
};

export type TSendOptions = {
  /** Same key → the provider sends once, even when the request is retried. */
  idempotencyKey?: string;
};

export type TSendResult = { id: string };

export type TEmailErrorKind = "rate_limited" | "transient" | "permanent";

/**
 * What went wrong, classified so callers can decide: rate_limited waits for
 * retryAfterMs, transient retries, permanent gives up on that message.
 */
export class EmailSendError extends Error {
  constructor(
    message: string,
    public readonly kind: TEmailErrorKind,
    public readonly statusCode: number | null,
    public readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "EmailSendError";
  }
}

/** An email the provider received (a reply to a thread's address), as its receiving API returns it. */
export type TReceivedEmail = { id: string; from: string; to: string[]; subject: string; text: string | null; html: string | null };

/** The one interface every email goes through. */
export interface EmailProvider {
  readonly mode: "resend" | "local-outbox";
  send(message: TEmailMessage, options?: TSendOptions): Promise<TSendResult>;
  /** Up to 100 messages in one request. */
  sendBatch(messages: TEmailMessage[], options?: TSendOptions): Promise<TSendResult[]>;
  /** The content of a received email (its webhook carries only the envelope). An EmailSendError when it cannot be read. */
  getReceivedEmail(id: string): Promise<TReceivedEmail>;
}

export const MAX_BATCH = 100;
