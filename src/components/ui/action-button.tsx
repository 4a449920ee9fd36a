"use client";

/** A small button that runs one action, shows that it is running, and says why it failed. */
export function ActionButton({
  label,
  pendingLabel,
  pending,
  error,
  onClick,
}: {
  label: string;
  pendingLabel: string;
  pending: boolean;
  error?: string;
  onClick: () => void;
}) {
  return (
    <span className="inline-flex items-center gap-1.5">
      <button
        type="button"
        onClick={onClick}
        disabled={pending}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60"
      >
        {pending ? pendingLabel : label}
      </button>
      {error ? (
        <span role="alert" className="text-xs text-red-600">
          {error}
        </span>
      ) : null}
    </span>
  );
}
