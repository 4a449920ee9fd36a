import { pushConfig, pushServiceHosts } from "@/lib/env";
import { endpointProblem } from "./endpoints";
import type { PushSender } from "./types";
import { createWebPushSender } from "./web-push-sender";

export const PUSH_NOT_CONFIGURED =
  "Push is not configured: set VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT (npm run push:keys makes a key pair). Use email or in-app.";

/** Without VAPID keys: nothing is sent; callers check `configured` first and say so. */
export const notConfiguredPushSender: PushSender = {
  configured: false,
  publicKey: null,
  send: async () => {
    throw new Error(PUSH_NOT_CONFIGURED);
  },
};

const globalForPush = globalThis as unknown as { __crmPushSender?: PushSender };

/** The configured sender, one per process (its connections and signed VAPID headers are reused). */
export function createPushSender(): PushSender {
  if (globalForPush.__crmPushSender) return globalForPush.__crmPushSender;
  const config = pushConfig();
  const sender = config
    ? createWebPushSender({ ...config, allowEndpoint: (endpoint) => endpointProblem(endpoint, pushServiceHosts()) })
    : notConfiguredPushSender;
  globalForPush.__crmPushSender = sender;
  return sender;
}

/** For tests that change the VAPID variables between cases (with resetEnvCache). */
export function resetPushSender() {
  globalForPush.__crmPushSender = undefined;
}
