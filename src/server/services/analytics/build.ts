import { localDates } from "@/shared/day";
import { fillDaily, ratio, rollUpSeries, round } from "./period";
import type { AnalyticsSource, TWindow } from "./source";
import type { TAppStatistics, TFeatureUsage, TPeriod, TRetention, TRetentionCohorts, TUserAnalytics } from "./types";

/**
 * Builds the answers from an AnalyticsSource. The same builders run on the
 * raw reference and on the rollups, so the two can only differ in what the
 * sources return, which the equality tests compare.
 */

const minDate = (a: Date, b: Date) => (a < b ? a : b);
const money = (n: number) => round(n, 2);
const cost = (n: number) => round(n, 6);

const FEATURES: Record<string, keyof TFeatureUsage> = {
  "assessment.completed": "assessment",
  "vision.generated": "visionGeneration",
  "intensive.started": "intensive",
  "intensive.step_completed": "intensive",
  "intensive.completed": "intensive",
  "journal.entry_created": "journal",
  "audio.played": "audio",
  "vision_board.viewed": "visionBoard",
};
const IGNORED_FOR_OTHER = new Set(["vision.failed"]);

function featureUsage(counts: Map<string, number>): TFeatureUsage {
  const usage: TFeatureUsage = { assessment: 0, visionGeneration: 0, intensive: 0, journal: 0, audio: 0, visionBoard: 0, other: 0 };
  for (const [name, n] of counts) {
    const key = FEATURES[name];
    if (key) usage[key] += n;
    else if (!IGNORED_FOR_OTHER.has(name)) usage.other += n;
  }
  return usage;
}

async function retention(source: AnalyticsSource, w: TWindow, tz: string, now: Date): Promise<{ signups: number; byN: TRetention[] }> {
  const { signups, byN } = await source.retention(w, [1, 7, 30], tz, now);
  return { signups, byN: byN.map((r) => ({ rate: ratio(r.retained, r.eligible), eligible: r.eligible, retained: r.retained })) };
}

async function periodNumbers(
  source: AnalyticsSource,
  w: TWindow,
  tz: string,
  now: Date,
  totalUsers: Promise<number>,
  monthly: Promise<number>,
) {
  // The window's signups come with its retention (counted per signup date there). The longest live reads
  // (signups per date, payments) are asked first: the statements outnumber the pool's connections.
  const [
    {
      signups: fresh,
      byN: [d1, d7, d30],
    },
    revenue,
    total,
    active,
    events,
    mrr,
  ] = await Promise.all([
    retention(source, w, tz, now),
    source.revenue(w),
    totalUsers,
    source.activeUsers(w),
    source.eventCounts(w),
    monthly,
  ]);
  if (!d1 || !d7 || !d30) throw new Error("retention returned fewer values than asked for");
  return {
    total,
    active,
    fresh,
    d1,
    d7,
    d30,
    usage: featureUsage(events),
    revenue: money(revenue),
    mrr,
    arpu: active === 0 ? 0 : money(revenue / active),
  };
}

export async function buildOverview(source: AnalyticsSource, period: TPeriod, now: Date): Promise<TUserAnalytics> {
  const tz = period.timezone;
  // Users who signed up before each period's end (or now): one count of every signup; the previous period's is that
  // less the signups between the two ends, a narrow range of the created_at index.
  const curEnd = minDate(period.end, now);
  const prevEnd = minDate(period.previousEnd, now);
  const curTotal = source.totalUsersBefore(curEnd);
  const prevTotal =
    prevEnd <= curEnd
      ? Promise.all([curTotal, source.newUsers({ from: prevEnd, to: curEnd })]).then(([total, since]) => total - since)
      : source.totalUsersBefore(prevEnd);
  // MRR at both periods' ends (or now) in one read of the subscriptions.
  const mrr = source.monthlyRecurringRevenue([curEnd, prevEnd]);
  const numbersOf = (w: TWindow, total: Promise<number>, i: number) =>
    periodNumbers(
      source,
      w,
      tz,
      now,
      total,
      mrr.then((m) => m[i] ?? 0),
    );
  const [cur, prev] = await Promise.all([
    numbersOf({ from: period.start, to: period.end }, curTotal, 0),
    numbersOf({ from: period.previousStart, to: period.previousEnd }, prevTotal, 1),
  ]);
  return {
    period,
    totalUsers: { value: cur.total, previous: prev.total },
    activeUsers: { value: cur.active, previous: prev.active },
    newUsers: { value: cur.fresh, previous: prev.fresh },
    userRetention: {
      day1: { value: cur.d1, previous: prev.d1 },
      day7: { value: cur.d7, previous: prev.d7 },
      day30: { value: cur.d30, previous: prev.d30 },
    },
    featureUsage: { value: cur.usage, previous: prev.usage },
    revenue: {
      total: { value: cur.revenue, previous: prev.revenue },
      monthly: { value: cur.mrr, previous: prev.mrr },
      averagePerUser: { value: cur.arpu, previous: prev.arpu },
    },
  };
}

export async function buildAppStatistics(source: AnalyticsSource, period: TPeriod, today: TWindow, now: Date): Promise<TAppStatistics> {
  const tz = period.timezone;
  const w: TWindow = { from: period.start, to: period.end };
  // The longest live reads first: the statements outnumber the pool's connections, and the answer waits for the last.
  const churnRead = source.customerChurn({ from: w.from, to: minDate(w.to, now) });
  const revenueRead = source.revenueBreakdown(w, tz);
  const [
    activeNow,
    sessionsToday,
    signupsToday,
    assessments,
    events,
    active,
    intensive,
    tokens,
    topUsers,
    dailyTokens,
    revenueSplit,
    churn,
  ] = await Promise.all([
    source.activeUsers({ from: new Date(now.getTime() - 5 * 60_000), to: new Date(now.getTime() + 1) }),
    source.sessionsStarted(today),
    source.newUsers(today),
    source.dailyEventCounts(w, "assessment.completed", tz),
    source.eventCounts(w),
    source.activeUsers(w),
    source.intensive(w, now),
    source.tokens(w),
    source.topUsersByCost(w, 10),
    source.dailyTokens(w, tz),
    revenueRead,
    churnRead,
  ]);
  const dailyAssessments = fillDaily(period.from, period.to, assessments);
  const generated = events.get("vision.generated") ?? 0;
  const failed = events.get("vision.failed") ?? 0;
  const revenueDaily = fillDaily(period.from, period.to, revenueSplit.daily).map((p) => ({ ...p, value: money(p.value) }));
  const byModel = [...tokens].sort((a, b) => b.costUsd - a.costUsd || b.tokens - a.tokens || a.model.localeCompare(b.model));
  return {
    period,
    activeUsersNow: activeNow,
    sessionsToday,
    newSignupsToday: signupsToday,
    assessmentCompletions: {
      daily: dailyAssessments,
      weekly: rollUpSeries(dailyAssessments, "week"),
      monthly: rollUpSeries(dailyAssessments, "month"),
    },
    visionGeneration: {
      totalGenerated: generated,
      failed,
      averagePerUser: active === 0 ? 0 : round(generated / active, 4),
      successRate: ratio(generated, generated + failed),
    },
    intensiveFlow: {
      started: intensive.started,
      completed: intensive.completed,
      completionRate: ratio(intensive.completed, intensive.started),
      averageCompletionTime: intensive.completed === 0 ? null : round(intensive.totalHours / intensive.completed, 2),
    },
    tokenConsumption: {
      total: tokens.reduce((s, m) => s + m.tokens, 0),
      costUsd: cost(tokens.reduce((s, m) => s + m.costUsd, 0)),
      byModel: byModel.map((m) => ({ ...m, costUsd: cost(m.costUsd) })),
      byUser: topUsers.map((u) => ({ ...u, costUsd: cost(u.costUsd) })),
      dailyBreakdown: localDates(period.from, period.to).map((date) => {
        const d = dailyTokens.get(date);
        return { date, tokens: d?.tokens ?? 0, costUsd: cost(d?.costUsd ?? 0) };
      }),
    },
    revenue: {
      daily: revenueDaily,
      monthly: rollUpSeries(revenueDaily, "month").map((p) => ({ ...p, value: money(p.value) })),
      byPlan: [...revenueSplit.byPlan.entries()]
        .map(([plan, revenue]) => ({ plan, revenue: money(revenue) }))
        .sort((a, b) => b.revenue - a.revenue || a.plan.localeCompare(b.plan)),
      churnRate: ratio(churn.churned, churn.atStart),
    },
  };
}

export async function buildRetentionCohorts(
  source: AnalyticsSource,
  cohorts: { start: string; window: TWindow; following: TWindow[] }[],
  unit: "week" | "month",
  timezone: string,
  now: Date,
): Promise<TRetentionCohorts> {
  // Cohorts are independent: ask for them at once (the pool runs them side by side).
  const out: TRetentionCohorts["cohorts"] = await Promise.all(
    cohorts.map(async (c) => {
      const started = c.following.filter((w) => w.from <= now);
      const { size, active } = await source.cohortActivity(c.window, started);
      return {
        start: c.start,
        size,
        periods: started.map((w, k) => ({ k, active: active[k] ?? 0, rate: ratio(active[k] ?? 0, size), complete: w.to <= now })),
      };
    }),
  );
  return { cohort: unit, timezone, cohorts: out };
}
