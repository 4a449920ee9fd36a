/**
 * What the analytics builders need from the data, as a small interface with
 * two implementations: `reference/` (straightforward SQL over the raw tables,
 * the executable form of docs/metrics.md) and `rollup-source.ts` (rollups plus
 * the live tail). Windows are half-open [from, to).
 */
export type TWindow = { from: Date; to: Date };

export interface AnalyticsSource {
  totalUsersBefore(at: Date): Promise<number>;
  newUsers(w: TWindow): Promise<number>;
  activeUsers(w: TWindow): Promise<number>;
  /**
   * How many users signed up in `w` (newUsers(w)), and for each N: those of them whose local day N ended by `now`,
   * and how many of them were active on it.
   */
  retention(
    w: TWindow,
    ns: number[],
    timezone: string,
    now: Date,
  ): Promise<{ signups: number; byN: { eligible: number; retained: number }[] }>;
  eventCounts(w: TWindow): Promise<Map<string, number>>;
  sessionsStarted(w: TWindow): Promise<number>;
  /** Count of events with this name per local date (YYYY-MM-DD). */
  dailyEventCounts(w: TWindow, name: string, timezone: string): Promise<Map<string, number>>;
  intensive(w: TWindow, now: Date): Promise<{ started: number; completed: number; totalHours: number }>;
  tokens(w: TWindow): Promise<{ model: string; tokens: number; costUsd: number; calls: number }[]>;
  topUsersByCost(
    w: TWindow,
    limit: number,
  ): Promise<{ userId: string; name: string | null; email: string; tokens: number; costUsd: number }[]>;
  dailyTokens(w: TWindow, timezone: string): Promise<Map<string, { tokens: number; costUsd: number }>>;
  revenue(w: TWindow): Promise<number>;
  /** Succeeded payments in the window per local date (YYYY-MM-DD) and per plan ("(none)" without one). */
  revenueBreakdown(w: TWindow, timezone: string): Promise<{ daily: Map<string, number>; byPlan: Map<string, number> }>;
  /** MRR at each instant (subscriptions running then; yearly plans count 1/12), rounded to cents. */
  monthlyRecurringRevenue(ats: Date[]): Promise<number[]>;
  /** Subscribers at the window's start, and how many of them have no running subscription at its end. */
  customerChurn(w: TWindow): Promise<{ atStart: number; churned: number }>;
  /** Users active in each window, among users who signed up in `cohort`. */
  cohortActivity(cohort: TWindow, windows: TWindow[]): Promise<{ size: number; active: number[] }>;
}
