import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two cores: at most two test files at once, each may start est-sim subprocesses.
    maxWorkers: 2,
  },
});
