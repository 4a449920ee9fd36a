import { z } from "zod";
import { ADMIN_ROLES } from "@/shared/enums";

export const ZAdminRole = z.enum(ADMIN_ROLES);
export const ZInviteAdminInput = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .pipe(z.email({ message: "Enter a valid email address" })),
  name: z.string().trim().max(120).optional(),
  role: ZAdminRole,
});
export type TInviteAdminInput = z.infer<typeof ZInviteAdminInput>;

export const ZChangeAdminRoleInput = z.object({ adminId: z.uuid(), role: ZAdminRole });
export type TChangeAdminRoleInput = z.infer<typeof ZChangeAdminRoleInput>;

export const ZRemoveAdminInput = z.object({ adminId: z.uuid() });
export type TRemoveAdminInput = z.infer<typeof ZRemoveAdminInput>;
