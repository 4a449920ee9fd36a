import type { TAutomationDefinition, TStep, TStepOutcome, TStepType } from "@/shared/schemas/automations";

export const STEP_LABELS: Record<TStepType, string> = {
  send_email: "Send an email",
  send_in_app: "Send an in-app message",
  send_push: "Send a push notification",
  wait: "Wait",
  wait_window: "Wait for a time window",
  wait_until: "Wait until…",
  branch: "Branch",
  tags: "Add or remove tags",
  priority: "Set priority",
  notify_admins: "Notify admins",
  exit: "Exit",
};

export const TRIGGER_LABELS: Record<TAutomationDefinition["trigger"]["kind"], string> = {
  segment_entered: "A user enters a segment",
  segment_left: "A user leaves a segment",
  source_event: "Something happens in the app",
  days_after_signup: "Days after signing up",
  days_before_renewal: "Days before a renewal",
  criteria: "A user crosses a threshold",
  manual: "Only when enrolled by hand",
};

export const OUTCOME_LABELS: Record<TStepOutcome, string> = {
  done: "done",
  yes: "yes",
  no: "no",
  met: "condition met",
  timed_out: "timed out",
  sent: "sent",
  held_out: "held out (control)",
  skipped_suppressed: "skipped: unsubscribed",
  skipped_no_device: "skipped: no device",
  skipped_capped: "skipped: cap",
  skipped_quiet: "skipped: quiet hours",
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function describeDuration(minutes: number): string {
  if (minutes % 1440 === 0) return plural(minutes / 1440, "day");
  if (minutes % 60 === 0) return plural(minutes / 60, "hour");
  return plural(minutes, "minute");
}

export function describeTrigger(t: TAutomationDefinition["trigger"], segmentName?: (id: string) => string | undefined): string {
  switch (t.kind) {
    case "segment_entered":
      return `Enters “${segmentName?.(t.segmentId) ?? "a segment"}”`;
    case "segment_left":
      return `Leaves “${segmentName?.(t.segmentId) ?? "a segment"}”`;
    case "source_event":
      return t.source === "signed_up"
        ? "Signs up"
        : t.source === "event"
          ? `Event ${t.eventName ?? ""}`
          : t.source === "subscription_canceled"
            ? "Cancels a subscription"
            : "A payment fails";
    case "days_after_signup":
      return `${plural(t.days, "day")} after signing up`;
    case "days_before_renewal":
      return `${plural(t.days, "day")} before a renewal`;
    case "criteria":
      return "Crosses a threshold";
    case "manual":
      return "Enrolled by hand";
  }
}

/** One line saying what a step does. */
export function describeStep(s: TStep, templateName?: (id: string) => string | undefined): string {
  switch (s.type) {
    case "wait":
      return `Wait ${describeDuration(s.minutes)}`;
    case "wait_window":
      return `Wait until ${String(s.fromHour).padStart(2, "0")}:00–${String(s.toHour).padStart(2, "0")}:00${s.weekdaysOnly ? " on a weekday" : ""}`;
    case "wait_until":
      return `Wait until a condition holds, at most ${plural(s.maxDays, "day")}`;
    case "branch":
      return s.message
        ? `Branch: did they ${s.message.action === "clicked" ? "click" : "open"} the message of step ${s.message.stepId}?`
        : "Branch on a condition";
    case "send_email":
      return `Email “${templateName?.(s.templateId) ?? "a template"}”${s.templateVersion ? ` v${s.templateVersion}` : ""}`;
    case "send_in_app":
      return `In-app: ${s.subject || s.content.slice(0, 60)}`;
    case "send_push":
      return `Push: ${s.title}`;
    case "tags":
      return [s.add.length ? `Tag ${s.add.join(", ")}` : "", s.remove.length ? `untag ${s.remove.join(", ")}` : ""]
        .filter(Boolean)
        .join("; ");
    case "priority":
      return s.priority ? `Priority → ${s.priority}` : "Clear priority";
    case "notify_admins":
      return `Notify admins${s.email ? " (and email)" : ""}: ${s.message}`;
    case "exit":
      return "Exit";
  }
}
