import { env } from "@/lib/env";
import { EmailSendError } from "@/server/email/types";
import { PushRetryError } from "@/server/push/types";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { issueSignInLink } from "@/server/services/auth/sign-in-links";
import { advanceDueRuns } from "@/server/services/automations/advance-runs";
import { checkGoalsAndExits } from "@/server/services/automations/check-goals-and-exits";
import { deliverAutomationMessages, hasQueuedSends } from "@/server/services/automations/deliver-automation-messages";
import { enrolFromSources } from "@/server/services/automations/enrol";
import { deliverBatch, pendingBatches } from "@/server/services/campaigns/deliver-batch";
import { failCampaign, finishIfDone } from "@/server/services/campaigns/lifecycle";
import { startDueCampaigns } from "@/server/services/campaigns/start-campaign";
import { DomainError } from "@/server/services/errors";
import { purgeExpired } from "@/server/services/jobs/purge-expired";
import { deliverPushBatch } from "@/server/services/push/deliver-push";
import { listSegmentIds, recomputeSegment } from "@/server/services/segments/recompute-segment";
import { deliverTestEmail } from "@/server/services/templates/send-template";
import { defineJob, type TJobCtx, type TJobDefinition, type TJobStep } from "./definition";
import { jobEvent } from "./events";
import { PermanentFailure, RetryLater } from "./signals";

/*
 * Every background job, once: what starts it (an event, a schedule), how
 * many may run at once, and its steps, which only call services. The
 * Inngest functions (inngest/functions) and the in-process engine
 * (jobs/in-process-engine.ts) are both built from this list.
 */

/** Events per fan-out step: a campaign of 100,000 recipients is 1,000 batch events in two steps. */
const FAN_OUT_CHUNK = 500;

/**
 * What a provider or domain failure means for the job: a 429 waits for its
 * Retry-After; a permanent refusal, or a domain error (a campaign that no
 * longer exists, content that no longer parses), will not get better by
 * retrying. Anything else (a timeout, a 5xx, the database) is retried.
 */
function asJobSignal(err: unknown): unknown {
  if (err instanceof EmailSendError && err.kind === "rate_limited") return new RetryLater(err.message, err.retryAfterMs ?? 1000);
  if (err instanceof EmailSendError && err.kind === "permanent") return new PermanentFailure(err.message);
  if (err instanceof PushRetryError && err.retryAfterMs !== undefined) return new RetryLater(err.message, err.retryAfterMs);
  if (err instanceof DomainError && err.code !== "UNAVAILABLE") return new PermanentFailure(err.message);
  return err;
}
const signalled = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (err) {
    throw asJobSignal(err);
  }
};

export const heartbeat = defineJob({
  id: "heartbeat",
  event: "crm/heartbeat.requested",
  cron: () => env().HEARTBEAT_CRON,
  concurrency: { scope: "job" },
  retries: 2,
  recordRuns: true,
  // Proves the background path (its last run is on health) and keeps the house: expired rows go.
  handler: async ({ step, ctx }) => {
    await step.run("purge-expired", () => purgeExpired({ ctx, input: undefined }));
    return { ok: true };
  },
});

export const refreshAnalytics = defineJob({
  id: "refresh-analytics",
  event: "crm/analytics.refresh.requested",
  cron: () => env().ANALYTICS_REFRESH_CRON,
  concurrency: { scope: "job" },
  retries: 3,
  recordRuns: true,
  // Each step applies a bounded number of batches (a step must finish well inside a request's time
  // limit); the run goes on until caught up, at most 50 steps, and the next scheduled run continues.
  // A run someone asked for (an admin's "Refresh", a start) also recomputes the users list's plan and spend in full
  // (at most once a minute); scheduled runs follow the change log, or without it recompute them when the last
  // recompute is USER_STATS_REFRESH_MINUTES old (users/refresh-user-stats.ts).
  handler: async ({ data, step, ctx }) => {
    const userStats = data.requestedBy === "schedule" ? "due" : "full";
    let rows = 0;
    for (let i = 0; i < 50; i++) {
      const result = await step.run(`refresh-batches-${i}`, () => refreshAnalyticsRollups({ ctx, input: { maxBatches: 4, userStats } }));
      rows += result.rows;
      if (result.caughtUp || result.skipped) return { rows, caughtUp: result.caughtUp, steps: i + 1 };
    }
    return { rows, caughtUp: false, steps: 50 };
  },
});

export const recomputeSegments = defineJob({
  id: "recompute-segments",
  event: "crm/segments.recompute.requested",
  cron: () => env().SEGMENTS_RECOMPUTE_CRON,
  concurrency: { scope: "job" },
  retries: 2,
  recordRuns: true,
  // One event per segment: each recomputes in its own run, with its own retries.
  handler: async ({ step, ctx }) => {
    const ids = await step.run("list-segments", () => listSegmentIds({ ctx, input: undefined }));
    if (ids.length) {
      await step.enqueue(
        "fan-out-segment-recomputes",
        ids.map((segmentId) => jobEvent("crm/segment.recompute.requested", { segmentId, requestedBy: "schedule" })),
      );
    }
    return { requested: ids.length };
  },
});

export const recomputeSegmentJob = defineJob({
  id: "recompute-segment",
  event: "crm/segment.recompute.requested",
  // One recompute at a time, whichever the segment: each is one statement that may read every user's rows of the
  // shared database (and asks for its parallel workers). At 1M users on 2 cores, the 20 bench segments took 91.3 s
  // through the queue three at a time and 79.0 s one at a time (52.6 s and 39.6 s the second time).
  concurrency: { scope: "job" },
  retries: 3,
  recordRuns: true,
  handler: ({ data, step, ctx }) =>
    step.run("recompute-segment", () => signalled(() => recomputeSegment({ ctx, input: { segmentId: data.segmentId } }))),
});

export const startDueCampaignsJob = defineJob({
  id: "start-due-campaigns",
  event: "crm/campaigns.due.requested",
  cron: () => "* * * * *",
  concurrency: { scope: "job" },
  retries: 2,
  recordRuns: true,
  handler: async ({ step, ctx }) => {
    const result = await step.run("start-due", () => startDueCampaigns({ ctx, input: undefined }));
    if (result.started.length) {
      await step.enqueue(
        "hand-to-delivery",
        result.started.map((campaignId) => jobEvent("crm/campaign.send.requested", { campaignId, requestedBy: "schedule" })),
      );
    }
    // Each campaign that could not start is failed with its reason; the run says so too, never "ok".
    if (result.failed.length) {
      throw new PermanentFailure(
        `${result.failed.length} scheduled campaign${result.failed.length === 1 ? "" : "s"} could not start: ${result.failed.map((f) => f.error).join("; ")}`,
      );
    }
    return result;
  },
});

export const deliverCampaign = defineJob({
  id: "deliver-campaign",
  event: "crm/campaign.send.requested",
  concurrency: { scope: "field", field: "campaignId" },
  retries: 5,
  recordRuns: true,
  // One event per batch still unsent: started, and again after a resume (a batch already sent has nothing left to send).
  handler: async ({ data, step, ctx }) => {
    const { channel, batches } = await step.run("list-pending-batches", () =>
      pendingBatches({ ctx, input: { campaignId: data.campaignId } }),
    );
    if (!batches.length) {
      const finished = await step.run("finish-if-done", () => finishIfDone({ ctx, input: { campaignId: data.campaignId } }));
      return { batches: 0, finished };
    }
    for (let i = 0; i < batches.length; i += FAN_OUT_CHUNK) {
      await step.enqueue(
        `fan-out-batches-${i / FAN_OUT_CHUNK}`,
        batches
          .slice(i, i + FAN_OUT_CHUNK)
          .map((batchNo) =>
            channel === "push"
              ? jobEvent("crm/campaign.push-batch.requested", { campaignId: data.campaignId, batchNo })
              : jobEvent("crm/campaign.batch.requested", { campaignId: data.campaignId, batchNo }),
          ),
      );
    }
    return { batches: batches.length };
  },
});

type TBatchData = { campaignId: string; batchNo: number };

/**
 * The two steps of a batch job, email or push: send the batch (a retry sends
 * only what is still unsent), then finish the campaign if nothing is left;
 * after the last attempt the campaign is failed with the batch's reason.
 */
function batchSteps(
  stepId: string,
  label: string,
  deliver: (args: { ctx: TJobCtx; input: TBatchData }) => Promise<{ outcome: "sent" | "empty" | "stopped" }>,
) {
  return {
    handler: async ({ data, step, ctx }: { data: TBatchData; step: TJobStep; ctx: TJobCtx }) => {
      const result = await step.run(stepId, () => signalled(() => deliver({ ctx, input: data })));
      if (result.outcome === "stopped") return { ...result, finished: false };
      const finished = await step.run("finish-if-done", () => finishIfDone({ ctx, input: { campaignId: data.campaignId } }));
      return { ...result, finished };
    },
    onFailure: async ({ data, error, ctx }: { data: TBatchData; error: Error; ctx: TJobCtx }) => {
      await failCampaign({
        ctx,
        input: { campaignId: data.campaignId, reason: `${label} ${data.batchNo}: ${error.message.split("\n")[0]}` },
      });
    },
  };
}

export const deliverCampaignBatch = defineJob({
  id: "deliver-campaign-batch",
  event: "crm/campaign.batch.requested",
  concurrency: { scope: "field", field: "campaignId" },
  throttle: "email-provider",
  retries: 10,
  recordRuns: false,
  // Retries keep the batch's idempotency key, so nothing is sent twice (deliver-batch.ts).
  ...batchSteps("deliver-batch", "Batch", deliverBatch),
});

export const deliverPushBatchJob = defineJob({
  id: "deliver-push-batch",
  event: "crm/campaign.push-batch.requested",
  // One push batch at a time, anywhere: the sender inside holds PUSH_SEND_RATE, so the rate holds across campaigns and instances.
  concurrency: { scope: "job" },
  throttle: "push-service",
  // A device is given up on after MAX_DEVICE_ATTEMPTS answers of 429/5xx, so a batch ends well within these.
  retries: 20,
  recordRuns: false,
  // A retry sends only the devices still queued, under the campaign's one Topic (deliver-push.ts).
  ...batchSteps("deliver-push-batch", "Push batch", deliverPushBatch),
});

/** Advance passes per tick; what is left is taken by the next tick, enqueued at once. */
const TICK_PASSES = 20;

export const automationsTick = defineJob({
  id: "automations-tick",
  event: "crm/automations.tick.requested",
  cron: () => env().AUTOMATIONS_CRON,
  concurrency: { scope: "job" },
  retries: 3,
  recordRuns: true,
  // Each pass is a step: a crash repeats only the pass it was in, and a pass never repeats a step of a run (advance-runs.ts).
  handler: async ({ step, ctx }) => {
    const enrolled = await step.run("enrol-from-sources", () => enrolFromSources({ ctx, input: undefined }));
    const checked = await step.run("goals-and-exits", () => checkGoalsAndExits({ ctx, input: undefined }));
    let steps = 0;
    let queued = 0;
    let more = false;
    for (let i = 0; i < TICK_PASSES; i++) {
      const r = await step.run(`advance-runs-${i}`, () => advanceDueRuns({ ctx, input: { maxRuns: 5000 } }));
      steps += r.steps;
      queued += r.queued;
      more = r.more;
      if (!more) break;
    }
    const pending = queued > 0 || (await step.run("pending-sends", () => hasQueuedSends({ ctx, input: undefined })));
    if (pending) await step.enqueue("deliver-sends", [jobEvent("crm/automation.sends.requested", { requestedBy: "automations" })]);
    if (more) await step.enqueue("continue", [jobEvent("crm/automations.tick.requested", { requestedBy: "automations" })]);
    return { enrolled: enrolled.reduce((n, e) => n + e.enrolled, 0), ...checked, steps, queued, more };
  },
});

export const deliverAutomationMessagesJob = defineJob({
  id: "deliver-automation-messages",
  event: "crm/automation.sends.requested",
  concurrency: { scope: "job" },
  throttle: "email-provider",
  retries: 10,
  recordRuns: false,
  // Each message under its own idempotency key: a retry re-sends nothing the provider accepted (deliver-automation-messages.ts).
  handler: async ({ step, ctx }) => {
    let sent = 0;
    for (let i = 0; i < TICK_PASSES; i++) {
      const r = await step.run(`deliver-${i}`, () => signalled(() => deliverAutomationMessages({ ctx, input: undefined })));
      sent += r.sent;
      if (!r.more) return { sent };
    }
    await step.enqueue("continue", [jobEvent("crm/automation.sends.requested", { requestedBy: "automations" })]);
    return { sent, more: true };
  },
});

export const sendSignInLink = defineJob({
  id: "send-sign-in-link",
  event: "crm/sign-in.link.requested",
  concurrency: { scope: "none" },
  retries: 2,
  recordRuns: false,
  handler: ({ data, step, ctx }) => step.run("issue-link", () => issueSignInLink({ ctx, input: { email: data.email } })),
});

export const sendTemplateTest = defineJob({
  id: "send-template-test",
  event: "crm/template.test.requested",
  concurrency: { scope: "none" },
  throttle: "email-provider",
  retries: 5,
  recordRuns: false,
  // The request id is the idempotency key: a retry after the provider accepted sends nothing more.
  handler: ({ data, step, ctx }) => step.run("send-test", () => signalled(() => deliverTestEmail({ ctx, input: data }))),
});

export const jobDefinitions: readonly TJobDefinition[] = [
  heartbeat,
  refreshAnalytics,
  recomputeSegments,
  recomputeSegmentJob,
  startDueCampaignsJob,
  deliverCampaign,
  deliverCampaignBatch,
  deliverPushBatchJob,
  automationsTick,
  deliverAutomationMessagesJob,
  sendSignInLink,
  sendTemplateTest,
];
