import { z } from "zod";

export const ZListUsersInput = z.object({
  search: z.string().trim().max(200).optional(),
  limit: z.number().int().min(1).max(100).default(50),
  /** Opaque cursor from the previous page. */
  cursor: z.string().max(200).optional(),
});
export type TListUsersInput = z.input<typeof ZListUsersInput>;
