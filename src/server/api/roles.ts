import type { TAdminRole } from "@/shared/enums";

/** Who may call what: a role admits every role at or above it. One table for tRPC procedures and route handlers. */
export const ROLE_RANK: Record<TAdminRole, number> = { viewer: 1, admin: 2, owner: 3 };

export const hasRole = (role: TAdminRole, needed: TAdminRole) => ROLE_RANK[role] >= ROLE_RANK[needed];
