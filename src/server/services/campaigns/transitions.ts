import type { CAMPAIGN_STATUSES } from "@/server/db/schema";
import { ConflictError } from "../errors";

export type TCampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * The lifecycle, checked on the server: draft → scheduled → sending → sent,
 * with paused, canceled and failed. Anything else is refused with a reason.
 */
const ALLOWED: Record<TCampaignStatus, TCampaignStatus[]> = {
  draft: ["scheduled", "sending", "canceled"],
  scheduled: ["draft", "sending", "canceled"],
  sending: ["paused", "sent", "canceled", "failed"],
  paused: ["sending", "canceled"],
  sent: [],
  canceled: [],
  failed: [],
};

const VERB: Record<TCampaignStatus, string> = {
  draft: "move back to draft",
  scheduled: "schedule",
  sending: "send",
  paused: "pause",
  sent: "finish",
  canceled: "cancel",
  failed: "fail",
};

export function assertTransition(from: TCampaignStatus, to: TCampaignStatus, name: string) {
  if (ALLOWED[from].includes(to)) return;
  const why = from === "sent" || from === "canceled" || from === "failed" ? `it is ${from}; duplicate it to send again` : `it is ${from}`;
  throw new ConflictError(`Cannot ${VERB[to]} “${name}”: ${why}`);
}

export const canTransition = (from: TCampaignStatus, to: TCampaignStatus) => ALLOWED[from].includes(to);
