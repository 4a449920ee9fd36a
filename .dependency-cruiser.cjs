/**
 * The rooms and their doors (docs/architecture.md), checked in CI by
 * `npm run lint` (depcruise). A rule names what must not happen.
 */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "The import graph has no cycles: a module can always be read before the ones that use it.",
      from: {},
      to: { circular: true },
    },
    {
      name: "shared-is-browser-safe",
      severity: "error",
      comment: "src/shared is imported by the browser: nothing from the server, the environment, Node built-ins or the app.",
      from: { path: "^src/shared/" },
      to: { path: ["^src/server/", "^src/lib/env", "^src/app/", "^inngest/", "^emails/"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "shared-no-node",
      severity: "error",
      from: { path: "^src/shared/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "components-import-shared-and-types",
      severity: "error",
      comment: "Components (the browser) import components, the shared layer, the tRPC client and types; nothing else of the server.",
      from: { path: "^src/components/" },
      // Server actions ("use server" modules named actions.ts) are the one door: the browser gets a reference, not the code.
      to: {
        path: ["^src/server/", "^src/lib/", "^src/app/", "^inngest/"],
        pathNot: "^src/app/.*/actions\\.ts$",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "services-not-transports",
      severity: "error",
      comment: "Services never import transports (tRPC, route handlers, pages, Inngest), the composition root or the job engines.",
      from: { path: "^src/server/services/" },
      to: {
        path: [
          "^src/app/",
          "^src/server/api/",
          "^src/trpc/",
          "^inngest/",
          "^src/server/runtime",
          "^src/server/boot",
          "^src/server/jobs/(definition|definitions|in-process-engine|signals)",
        ],
      },
    },
    {
      name: "lower-layers-stay-low",
      severity: "error",
      comment: "The database, the email and push layers and the job catalogue know nothing of services or transports.",
      from: { path: ["^src/server/db/", "^src/server/email/", "^src/server/push/", "^src/server/jobs/(events|port|signals)"] },
      to: { path: ["^src/server/services/", "^src/server/api/", "^src/app/", "^src/trpc/", "^inngest/", "^src/server/runtime"] },
    },
    {
      name: "jobs-engines-not-transports",
      severity: "error",
      from: { path: "^src/server/jobs/" },
      to: { path: ["^src/app/", "^src/server/api/", "^src/trpc/", "^inngest/"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^node_modules", "\\.next/", "^drizzle/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
