import { z } from "zod";

/*
 * Frequency caps and quiet hours (Settings → Messaging; docs/automations.md):
 * how many marketing messages a user receives per channel in a rolling
 * window, counted across campaigns and automations, and the local hours in
 * which no automation or campaign emails or pushes. One-on-one messages
 * are transactional and exempt.
 */
const cap = z.object({
  max: z.number().int("A whole number").min(1, "At least 1").max(100, "At most 100"),
  days: z.number().int("Whole days").min(1, "At least 1 day").max(90, "At most 90 days"),
});
const hour = z.number().int().min(0).max(23);
export const ZMessagingRules = z.object({
  caps: z.object({ email: cap.nullable(), push: cap.nullable(), in_app: cap.nullable() }),
  quietHours: z
    .object({ fromHour: hour, toHour: hour, timeZone: z.string().min(1).max(64) })
    .refine((q) => q.fromHour !== q.toHour, { message: "Quiet hours need a start and a different end", path: ["toHour"] })
    .nullable(),
});
export type TMessagingRules = z.infer<typeof ZMessagingRules>;
export const DEFAULT_MESSAGING_RULES: TMessagingRules = { caps: { email: null, push: null, in_app: null }, quietHours: null };
