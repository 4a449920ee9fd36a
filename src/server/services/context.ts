import type { DbOrTx } from "@/server/db/client";
import type { EmailProvider } from "@/server/email/types";
import type { JobsPort } from "@/server/jobs/port";
import type { PushSender } from "@/server/push/types";
import type { TAdminRole } from "@/shared/enums";

export type AdminActor = { type: "admin"; id: string; email: string; role: TAdminRole };
export type SystemActor = { type: "system"; job: string };
export type WebhookActor = { type: "webhook"; provider: string };
export type Actor = AdminActor | SystemActor | WebhookActor;

/**
 * What every service verb receives, as `verb({ ctx, input })`: the database
 * or the caller's open transaction (so services compose inside one), who is
 * acting, the background-jobs port, the email provider, the push sender and the clock. Built
 * in one place (server/runtime.ts) for requests, jobs and webhooks.
 */
export type TServiceCtx<A extends Actor = Actor> = {
  db: DbOrTx;
  actor: A;
  jobs: JobsPort;
  email: EmailProvider;
  push: PushSender;
  clock: () => Date;
};

/** The arguments of every service verb. */
export type TServiceArgs<I, A extends Actor = Actor> = { ctx: TServiceCtx<A>; input: I };

export const systemActor = (job: string): SystemActor => ({ type: "system", job });
