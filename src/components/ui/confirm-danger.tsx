"use client";

import { useState } from "react";
import { buttonClass } from "./primitives";

/**
 * A destructive action asked twice, in place: the button, then the question
 * (naming what it does) with "Yes, …" and "Keep".
 */
export function ConfirmDanger({
  label,
  question,
  confirmLabel,
  pendingLabel,
  pending,
  onConfirm,
}: {
  /** The button: "Delete", "Archive". */
  label: string;
  /** The question: "Delete “VIPs”?" */
  question: string;
  confirmLabel: string;
  pendingLabel: string;
  pending: boolean;
  onConfirm: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming)
    return (
      <button type="button" className={buttonClass.danger} onClick={() => setConfirming(true)}>
        {label}
      </button>
    );
  return (
    <span className="inline-flex items-center gap-2 rounded-md border border-red-200 bg-red-50 px-2 text-sm text-red-800">
      {question}
      <button type="button" className="font-medium underline" disabled={pending} onClick={onConfirm}>
        {pending ? pendingLabel : confirmLabel}
      </button>
      <button type="button" className="text-slate-600" onClick={() => setConfirming(false)}>
        Keep
      </button>
    </span>
  );
}
