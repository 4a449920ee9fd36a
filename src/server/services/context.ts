import type { DbOrTx } from "@/server/db/client";
import type { TAdminRole } from "@/server/db/schema";

export type AdminActor = { type: "admin"; id: string; email: string; role: TAdminRole };
export type SystemActor = { type: "system"; job: string };
export type WebhookActor = { type: "webhook"; provider: string };
export type Actor = AdminActor | SystemActor | WebhookActor;

/** What every service verb receives: the database (or open transaction) and who is acting. */
export type ServiceCtx<A extends Actor = Actor> = { db: DbOrTx; actor: A };

export const systemActor = (job: string): SystemActor => ({ type: "system", job });
