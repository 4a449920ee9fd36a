import { EnvError, env } from "@/lib/env";

/**
 * Validates configuration before anything else loads (some modules read it
 * at import): one clear line per problem, no stack trace, exit code 1.
 */
try {
  env();
} catch (err) {
  if (!(err instanceof EnvError)) throw err;
  for (const line of err.lines) console.error(line);
  process.exit(1);
}
