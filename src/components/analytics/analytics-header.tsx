import { PageHeader } from "@/components/ui/primitives";
import { formatCompact } from "@/shared/format";
import { formatLocalDate, type TRangeView } from "./range";
import { RangePicker } from "./range-picker";
import { RefreshRollupsButton } from "./refresh-button";
import { TimezoneSelect } from "./timezone-select";

/** Below this many rows behind, the refresh catches up within a run or two: no notice. */
const CATCH_UP_NOTICE_ROWS = 100_000;

export function AnalyticsHeader({
  title,
  view,
  timezone,
  refreshedAt,
  catchUp,
  canRefresh = false,
}: {
  title: string;
  view: TRangeView;
  timezone: string;
  refreshedAt: Date | null;
  /** How far the rollups are behind the app's tables (getRollupStatus). */
  catchUp?: { rowsBehind: number; rolledUpShare: number };
  canRefresh?: boolean;
}) {
  const { range, preset, days, error } = view;
  return (
    <>
      <PageHeader
        title={title}
        description={
          <>
            {formatLocalDate(range.from)} – {formatLocalDate(range.to)} ({timezone}), compared with the {days} days before.{" "}
            <span className="text-slate-500">
              Live numbers{refreshedAt ? `; rollups refreshed ${refreshedAt.toISOString().slice(11, 16)} UTC` : ""}. Definitions:
              docs/metrics.md.
            </span>
          </>
        }
      />
      <div className="-mt-3 mb-5 flex flex-wrap items-center justify-between gap-3">
        <RangePicker preset={preset} from={range.from} to={range.to} />
        <div className="flex flex-wrap items-center gap-3">
          {canRefresh ? <RefreshRollupsButton /> : null}
          <TimezoneSelect timezone={timezone} />
        </div>
      </div>
      {catchUp && catchUp.rowsBehind >= CATCH_UP_NOTICE_ROWS ? (
        <p role="status" className="mb-4 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900">
          Catching up with the app&apos;s history: {Math.floor(catchUp.rolledUpShare * 100)}% rolled up, about{" "}
          {formatCompact(catchUp.rowsBehind)} rows to go. Every number stays exact meanwhile (rows not yet rolled up are read directly), so
          pages load more slowly until it finishes. Reload to see its progress.
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          That range is not valid ({error}); showing the last 30 days.
        </p>
      ) : null}
    </>
  );
}
