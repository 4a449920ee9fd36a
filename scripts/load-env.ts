import { existsSync } from "node:fs";

/** Scripts read .env like Next does (without overriding what the shell set). */
for (const file of [".env.local", ".env"]) {
  if (existsSync(file)) process.loadEnvFile(file);
}
