import { adminsRouter } from "./routers/admins";
import { analyticsRouter } from "./routers/analytics";
import { automationsRouter } from "./routers/automations";
import { liveRouter } from "./routers/live";
import { messagingRouter } from "./routers/messaging";
import { searchRouter } from "./routers/search";
import { segmentsRouter } from "./routers/segments";
import { systemRouter } from "./routers/system";
import { usersRouter } from "./routers/users";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  analytics: analyticsRouter,
  users: usersRouter,
  segments: segmentsRouter,
  messaging: messagingRouter,
  automations: automationsRouter,
  live: liveRouter,
  admins: adminsRouter,
  system: systemRouter,
  search: searchRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
