import { runMigrations } from "./migrate.js";

const [command] = process.argv.slice(2);
const url = process.env.DATABASE_URL;

if (command !== "migrate") {
  console.error("usage: tsx src/cli.ts migrate   (reads DATABASE_URL)");
  process.exit(2);
}
if (!url) {
  console.error("DATABASE_URL is required");
  process.exit(2);
}
await runMigrations(url);
console.log("migrations applied");
