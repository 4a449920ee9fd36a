/** Output shapes of the analytics services: the seed's UserAnalytics and AppStatistics, with comparisons and dated series. */

export type TPoint = { date: string; value: number };
export type TKpi<T = number> = { value: T; previous: T };

export type TPeriod = { from: string; to: string; timezone: string; start: Date; end: Date; previousStart: Date; previousEnd: Date };

export type TRetention = { rate: number | null; eligible: number; retained: number };

export type TFeatureUsage = {
  assessment: number;
  visionGeneration: number;
  intensive: number;
  journal: number;
  audio: number;
  visionBoard: number;
  other: number;
};

export type TUserAnalytics = {
  period: TPeriod;
  totalUsers: TKpi;
  activeUsers: TKpi;
  newUsers: TKpi;
  userRetention: { day1: TKpi<TRetention>; day7: TKpi<TRetention>; day30: TKpi<TRetention> };
  featureUsage: TKpi<TFeatureUsage>;
  revenue: { total: TKpi; monthly: TKpi; averagePerUser: TKpi };
};

export type TAppStatistics = {
  period: TPeriod;
  activeUsersNow: number;
  sessionsToday: number;
  newSignupsToday: number;
  assessmentCompletions: { daily: TPoint[]; weekly: TPoint[]; monthly: TPoint[] };
  visionGeneration: { totalGenerated: number; failed: number; averagePerUser: number; successRate: number | null };
  intensiveFlow: { started: number; completed: number; completionRate: number | null; averageCompletionTime: number | null };
  tokenConsumption: {
    total: number;
    costUsd: number;
    byModel: { model: string; tokens: number; costUsd: number; calls: number }[];
    byUser: { userId: string; name: string | null; email: string; tokens: number; costUsd: number }[];
    dailyBreakdown: { date: string; tokens: number; costUsd: number }[];
  };
  revenue: { daily: TPoint[]; monthly: TPoint[]; byPlan: { plan: string; revenue: number }[]; churnRate: number | null };
};

export type TRetentionCohorts = {
  cohort: "week" | "month";
  timezone: string;
  cohorts: { start: string; size: number; periods: { k: number; rate: number | null; active: number; complete: boolean }[] }[];
};
