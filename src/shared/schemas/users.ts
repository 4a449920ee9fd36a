import { z } from "zod";
import { PRIORITIES, TIMELINE_KINDS } from "@/shared/enums";
import { ZTimezone } from "@/shared/schemas/analytics";
import { ZUserFilters, ZUserSort } from "@/shared/users-query";

export const ZListUsersInput = z.object({
  filters: ZUserFilters.default({ tagMode: "any" }),
  sort: ZUserSort.default({ sort: "joined", dir: "desc" }),
  limit: z.number().int().min(1).max(200).default(50),
  /** Opaque cursor from the previous page. */
  cursor: z.string().max(400).optional(),
  /** The admin's timezone: date filters are local dates in it. */
  timeZone: ZTimezone.default("UTC"),
});
export type TListUsersInput = z.input<typeof ZListUsersInput>;

export const ZCountUsersInput = z.object({ filters: ZUserFilters.default({ tagMode: "any" }), timeZone: ZTimezone.default("UTC") });
export type TCountUsersInput = z.input<typeof ZCountUsersInput>;

export const ZUserId = z.object({ userId: z.guid("Not a user id") });

export const ZTimelineInput = z.object({
  userId: z.guid("Not a user id"),
  kinds: z.array(z.enum(TIMELINE_KINDS)).max(TIMELINE_KINDS.length).optional(),
  limit: z.number().int().min(1).max(100).default(30),
  cursor: z.string().max(400).optional(),
});
export type TTimelineInput = z.input<typeof ZTimelineInput>;

const ZTag = z
  .string()
  .trim()
  .min(1, "A tag cannot be empty")
  .max(40, "Tags are at most 40 characters")
  .regex(/^[\p{L}\p{N} _\-.:/]+$/u, "Tags use letters, digits, spaces and - _ . : /");

export const ZUpdateUserMetadataInput = z.object({
  userId: z.guid("Not a user id"),
  /** The version the admin loaded (0 when the user had no tags, notes or priority yet). */
  expectedVersion: z.number().int().min(0),
  tags: z.array(ZTag).max(30, "At most 30 tags").optional(),
  notes: z.string().max(10_000, "Notes are at most 10,000 characters").optional(),
  priority: z.enum(PRIORITIES).nullable().optional(),
});
export type TUpdateUserMetadataInput = z.input<typeof ZUpdateUserMetadataInput>;

export const ZSuggestTagsInput = z.object({
  prefix: z.string().trim().max(40).default(""),
  limit: z.number().int().min(1).max(50).default(10),
});

export const ZCreateSavedViewInput = z.object({
  name: z.string().trim().min(1, "Name the view").max(60, "At most 60 characters"),
  /** The users list's URL query, without the leading "?". */
  query: z
    .string()
    .max(2000)
    .refine((q) => !q.startsWith("?"), "Leave out the leading ?"),
});
export const ZDeleteSavedViewInput = z.object({ id: z.guid() });
