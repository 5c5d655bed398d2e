import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations into ./drizzle from lib/db/schema.ts; they are applied at start.
export default defineConfig({
  dialect: 'postgresql',
  schema: './lib/db/schema.ts',
  out: './drizzle',
});
