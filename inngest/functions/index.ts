import { cron, NonRetriableError, RetryAfterError } from "inngest";
import { env } from "@/lib/env";
import type { TJobDefinition, TJobStep } from "@/server/jobs/definition";
import { jobDefinitions } from "@/server/jobs/definitions";
import { parseJobEvent } from "@/server/jobs/events";
import { PermanentFailure, RetryLater } from "@/server/jobs/signals";
import { inngestJobContext } from "@/server/runtime";
import { recordJobRun } from "@/server/services/jobs/job-runs";
import { inngest } from "../client";
import { inngestEvents } from "../events";

/*
 * The Inngest functions, one per job definition (server/jobs/definitions.ts):
 * the same handler and steps the in-process engine runs, with Inngest's
 * concurrency, throttle, retries and memoised steps.
 */

const asInngestError = (err: unknown) => {
  if (err instanceof RetryLater) return new RetryAfterError(err.message, err.afterMs);
  if (err instanceof PermanentFailure) return new NonRetriableError(err.message);
  return err;
};

function buildFunction(def: TJobDefinition) {
  const triggers = [inngestEvents[def.event], ...(def.cron ? [cron(def.cron())] : [])];
  const concurrency =
    def.concurrency.scope === "job"
      ? { concurrency: { limit: 1 } }
      : def.concurrency.scope === "field"
        ? { concurrency: { key: `event.data.${def.concurrency.field}`, limit: 1 } }
        : {};
  return inngest.createFunction(
    {
      id: def.id,
      triggers: triggers as never,
      ...concurrency,
      ...(def.throttle === "email-provider" ? { throttle: { limit: env().CAMPAIGN_SEND_RATE, period: "1s" as const } } : {}),
      retries: def.retries as never,
      onFailure: async ({ event, error }: { event: { data: { event: { data: unknown } } }; error: Error }) => {
        const ctx = await inngestJobContext(def);
        if (def.recordRuns) {
          await recordJobRun(ctx.db, {
            jobId: def.id,
            runner: "inngest",
            startedAt: new Date(),
            finishedAt: new Date(),
            error: error.message,
          });
        }
        await def.onFailure?.({ data: parseJobEvent(def.event, event.data.event.data) as never, error, ctx });
      },
    },
    async ({ event, step }) => {
      const data = parseJobEvent(def.event, (event as { data?: unknown }).data);
      const ctx = await inngestJobContext(def);
      const startedAt = def.recordRuns ? await step.run("started", async () => new Date().toISOString()) : null;
      const tools: TJobStep = {
        run: (id, fn) =>
          step.run(id, async () => {
            try {
              return await fn();
            } catch (err) {
              throw asInngestError(err);
            }
          }) as never,
        enqueue: async (id, events) => {
          await step.sendEvent(
            id,
            events.map((e) => ({ name: e.name, data: parseJobEvent(e.name, e.data) })),
          );
        },
      };
      let result: unknown;
      try {
        result = await def.handler({ data: data as never, step: tools, ctx });
      } catch (err) {
        throw asInngestError(err);
      }
      if (startedAt) {
        await step.run("record-run", () =>
          recordJobRun(ctx.db, { jobId: def.id, runner: "inngest", startedAt: new Date(startedAt), finishedAt: new Date() }),
        );
      }
      return result;
    },
  );
}

/** Every Inngest function, served at /api/inngest. */
export const functions = jobDefinitions.map(buildFunction);

/** One function by its job id (tests drive them through @inngest/test). */
export function inngestFunction(id: string) {
  const i = jobDefinitions.findIndex((d) => d.id === id);
  const fn = functions[i];
  if (!fn) throw new Error(`No job ${id}`);
  return fn;
}
