import { createWindowLimiter } from "@/lib/spacer";
import type { PushSender } from "./types";

/**
 * At most `ratePerSecond` push requests start in any one-second window
 * through this sender. The in-process engine gives every push batch the same
 * one; push batches run one at a time (jobs/definitions.ts), so the rate
 * holds across campaigns and instances on either engine.
 */
export function spacedPushSender(sender: PushSender, ratePerSecond: number, sleep?: (ms: number) => Promise<void>): PushSender {
  const schedule = createWindowLimiter(ratePerSecond, 1000, sleep);
  return {
    configured: sender.configured,
    publicKey: sender.publicKey,
    send: (to, payload, options) => schedule(() => sender.send(to, payload, options)),
  };
}
