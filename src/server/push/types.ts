/** A browser's PushSubscription, as the main app registered it. */
export type TPushTarget = { endpoint: string; p256dh: string; auth: string };

export type TPushUrgency = "very-low" | "low" | "normal" | "high";

export type TPushOptions = {
  /** How long the push service keeps the message for an offline device, in seconds (RFC 8030 §5.2). */
  ttlSeconds: number;
  urgency: TPushUrgency;
  /**
   * RFC 8030 §5.4: a message the push service still holds is replaced by a
   * later one with the same topic, so a repeat after an unknown outcome
   * (a crash after the service accepted) never stacks up. ≤ 32 base64url characters.
   */
  topic?: string;
};

/** What the push service answered, classified: the caller decides per device. */
export type TPushOutcome =
  /** 201 (any 2xx): the push service has it. */
  | { kind: "accepted"; status: number }
  /** 404 or 410: the subscription expired or was removed; never send to it again. */
  | { kind: "gone"; status: number; error: string }
  /** Refused for good (400, 403 VAPID, 413 too large, a host not allowed): retrying will not help. */
  | { kind: "rejected"; status: number | null; error: string }
  /** 429, 5xx, a timeout or a network error: try again, after retryAfterMs when the service said. */
  | { kind: "retry"; status: number | null; error: string; retryAfterMs?: number };

/** The one interface every push goes through. */
export interface PushSender {
  /** False without VAPID keys: nothing can be sent, and the UI and API say so. */
  readonly configured: boolean;
  /** The VAPID public key browsers subscribe with (applicationServerKey). */
  readonly publicKey: string | null;
  /** Encrypts `payload` for the subscriber (RFC 8291, aes128gcm), signs (RFC 8292 VAPID) and delivers it (RFC 8030). Never throws for an HTTP answer. */
  send(to: TPushTarget, payload: string, options: TPushOptions): Promise<TPushOutcome>;
}

/** The largest payload before encryption: a push message's record is at most 4096 bytes (RFC 8291 §4), less 103 of overhead. */
export const MAX_PUSH_PAYLOAD_BYTES = 3993;

/**
 * Some devices of a batch are to be tried again (429, 5xx, unreachable):
 * after retryAfterMs when a push service said (Retry-After), else after the
 * job engine's backoff. The devices already answered are recorded first.
 */
export class PushRetryError extends Error {
  constructor(
    message: string,
    public readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "PushRetryError";
  }
}
