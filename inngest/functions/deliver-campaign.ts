import { cron, RetryAfterError } from "inngest";
import { env } from "@/lib/env";
import { getJobsDb } from "@/server/db";
import { EmailSendError } from "@/server/email";
import { jobs } from "@/server/jobs/registry";
import { deliverBatch, finishIfDone, pendingBatches } from "@/server/services/campaigns/deliver-campaign";
import { startDueCampaigns } from "@/server/services/campaigns/send-campaign";
import { systemActor } from "@/server/services/context";
import { inngest } from "../client";
import { campaignBatchRequested, campaignSendRequested, campaignsDueRequested } from "../events";

/** Events per sendEvent step: a campaign of 100,000 recipients is 1,000 batch events in two steps. */
const FAN_OUT_CHUNK = 500;

/**
 * A campaign started sending: one event per pending batch. Batches run as
 * their own function runs (a run has at most 1,000 steps), throttled to the
 * provider's rate, one at a time per campaign.
 */
export const deliverCampaign = inngest.createFunction(
  { id: jobs.deliverCampaign.id, triggers: [campaignSendRequested], concurrency: { key: "event.data.campaignId", limit: 1 } },
  async ({ event, step }) => {
    const batches = await step.run("list-pending-batches", async () => pendingBatches(await getJobsDb(), event.data.campaignId));
    for (let i = 0; i < batches.length; i += FAN_OUT_CHUNK) {
      await step.sendEvent(
        `fan-out-batches-${i / FAN_OUT_CHUNK}`,
        batches.slice(i, i + FAN_OUT_CHUNK).map((batchNo) => campaignBatchRequested.create({ campaignId: event.data.campaignId, batchNo })),
      );
    }
    return { batches: batches.length };
  },
);

/**
 * One batch: sends it (retries keep the batch's idempotency key, so nothing
 * is sent twice), waits out a 429 for its retry-after, and marks the campaign
 * sent after its last batch.
 */
export const deliverCampaignBatch = inngest.createFunction(
  {
    id: "deliver-campaign-batch",
    triggers: [campaignBatchRequested],
    throttle: { limit: env().CAMPAIGN_SEND_RATE, period: "1s" },
    concurrency: { key: "event.data.campaignId", limit: 1 },
    retries: 10,
  },
  async ({ event, step }) => {
    const result = await step.run("deliver-batch", async () => {
      try {
        return await deliverBatch(await getJobsDb(), event.data.campaignId, event.data.batchNo);
      } catch (err) {
        if (err instanceof EmailSendError && err.kind === "rate_limited") {
          throw new RetryAfterError(err.message, err.retryAfterMs ?? 1000);
        }
        throw err;
      }
    });
    const finished = await step.run("finish-if-done", async () => finishIfDone(await getJobsDb(), event.data.campaignId));
    return { ...result, finished };
  },
);

/** Every minute: scheduled campaigns whose time has come start sending. */
export const startDueCampaignsFn = inngest.createFunction(
  { id: jobs.startDueCampaigns.id, triggers: [cron(jobs.startDueCampaigns.cron), campaignsDueRequested], concurrency: { limit: 1 } },
  async ({ step }) => {
    const result = await step.run("start-due", async () => startDueCampaigns(await getJobsDb(), systemActor("start-due-campaigns")));
    if (result.started.length) {
      await step.sendEvent(
        "hand-to-delivery",
        result.started.map((campaignId) => campaignSendRequested.create({ campaignId, requestedBy: "schedule" })),
      );
    }
    return result;
  },
);
