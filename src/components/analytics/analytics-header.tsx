import { PageHeader } from "@/components/ui/primitives";
import { formatLocalDate, type TRangeView } from "./range";
import { RangePicker } from "./range-picker";
import { RefreshRollupsButton } from "./refresh-button";
import { TimezoneSelect } from "./timezone-select";

export function AnalyticsHeader({
  title,
  view,
  timezone,
  refreshedAt,
  canRefresh = false,
}: {
  title: string;
  view: TRangeView;
  timezone: string;
  refreshedAt: Date | null;
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
      {error ? (
        <p role="alert" className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          That range is not valid ({error}); showing the last 30 days.
        </p>
      ) : null}
    </>
  );
}
