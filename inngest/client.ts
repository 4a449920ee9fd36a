import { Inngest } from "inngest";
import { env, jobsMode } from "@/lib/env";

/**
 * The Inngest client (SDK v4). INNGEST_DEV=1 talks to a local Dev Server;
 * event and signing keys talk to Inngest Cloud or a self-hosted Inngest
 * (INNGEST_BASE_URL). With neither, the CRM never sends to Inngest: the
 * in-process runner does the work (src/server/jobs/in-process-runner.ts).
 */
const e = env();
const mode = jobsMode(e);

export const inngest = new Inngest({
  id: "vibrationfit-crm",
  isDev: mode === "inngest-dev",
  ...(mode === "inngest-dev" && e.INNGEST_DEV && /^https?:\/\//.test(e.INNGEST_DEV) ? { baseUrl: e.INNGEST_DEV } : {}),
  ...(e.INNGEST_BASE_URL ? { baseUrl: e.INNGEST_BASE_URL } : {}),
  ...(e.INNGEST_EVENT_KEY ? { eventKey: e.INNGEST_EVENT_KEY } : {}),
  ...(e.INNGEST_SIGNING_KEY ? { signingKey: e.INNGEST_SIGNING_KEY } : {}),
});
