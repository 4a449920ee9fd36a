import { z } from "zod";
import { automationReport, listRuns, runTimeline } from "@/server/services/automations/automation-report";
import {
  archiveAutomation,
  createAutomation,
  enrolUsers,
  getAutomation,
  listAutomations,
  pauseAutomation,
  startTestRun,
  turnOnAutomation,
  updateAutomation,
} from "@/server/services/automations/manage-automations";
import { listNotifications, markNotificationsRead } from "@/server/services/automations/notifications";
import { getMessagingRules, setMessagingRules } from "@/server/services/messaging/messaging-rules";
import { ZAutomationId, ZCreateAutomationInput, ZEnrolInput, ZTestRunInput, ZUpdateAutomationInput } from "@/shared/schemas/automations";
import { ZMessagingRules } from "@/shared/schemas/messaging-rules";
import { adminProcedure, router, viewerProcedure } from "../trpc";

const ZRunsInput = z.object({
  automationId: z.guid().optional(),
  userId: z.guid().optional(),
  tests: z.boolean().optional(),
  limit: z.number().int().min(1).max(200).optional(),
});

export const automationsRouter = router({
  list: viewerProcedure.query(({ ctx }) => listAutomations({ ctx: ctx.svc, input: undefined })),
  get: viewerProcedure.input(ZAutomationId).query(({ ctx, input }) => getAutomation({ ctx: ctx.svc, input })),
  report: viewerProcedure.input(ZAutomationId).query(({ ctx, input }) => automationReport({ ctx: ctx.svc, input })),
  runs: viewerProcedure.input(ZRunsInput).query(({ ctx, input }) => listRuns({ ctx: ctx.svc, input })),
  timeline: viewerProcedure.input(z.object({ runId: z.guid() })).query(({ ctx, input }) => runTimeline({ ctx: ctx.svc, input })),
  create: adminProcedure.input(ZCreateAutomationInput).mutation(({ ctx, input }) => createAutomation({ ctx: ctx.svc, input })),
  update: adminProcedure.input(ZUpdateAutomationInput).mutation(({ ctx, input }) => updateAutomation({ ctx: ctx.svc, input })),
  turnOn: adminProcedure.input(ZAutomationId).mutation(({ ctx, input }) => turnOnAutomation({ ctx: ctx.svc, input })),
  pause: adminProcedure.input(ZAutomationId).mutation(({ ctx, input }) => pauseAutomation({ ctx: ctx.svc, input })),
  archive: adminProcedure.input(ZAutomationId).mutation(({ ctx, input }) => archiveAutomation({ ctx: ctx.svc, input })),
  enrol: adminProcedure.input(ZEnrolInput).mutation(({ ctx, input }) => enrolUsers({ ctx: ctx.svc, input })),
  testRun: adminProcedure.input(ZTestRunInput).mutation(({ ctx, input }) => startTestRun({ ctx: ctx.svc, input })),
  notifications: viewerProcedure
    .input(z.object({ limit: z.number().int().min(1).max(100).optional() }))
    .query(({ ctx, input }) => listNotifications({ ctx: ctx.svc, input })),
  markNotificationsRead: adminProcedure.mutation(({ ctx }) => markNotificationsRead({ ctx: ctx.svc, input: undefined })),
  rules: viewerProcedure.query(({ ctx }) => getMessagingRules({ ctx: ctx.svc, input: undefined })),
  setRules: adminProcedure.input(ZMessagingRules).mutation(({ ctx, input }) => setMessagingRules({ ctx: ctx.svc, input })),
});
