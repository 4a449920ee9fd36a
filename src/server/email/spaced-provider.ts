import { createSpacer } from "@/lib/spacer";
import type { EmailProvider } from "./types";

/**
 * The provider's rate (requests per second) kept at the moment of each
 * request: any two requests through this provider start at least 1/rate
 * seconds apart, so no one-second window ever holds more than the rate. The
 * in-process engine gives every job that sends campaign batches the same
 * spaced provider; with Inngest, the function's throttle does this.
 */
export function spacedProvider(
  provider: EmailProvider,
  ratePerSecond: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): EmailProvider {
  const wait = createSpacer(ratePerSecond, sleep);
  return {
    mode: provider.mode,
    send: async (message, options) => {
      await wait();
      return provider.send(message, options);
    },
    sendBatch: async (messages, options) => {
      await wait();
      return provider.sendBatch(messages, options);
    },
    // Reading a received email is not a send: not spaced.
    getReceivedEmail: (id) => provider.getReceivedEmail(id),
  };
}
