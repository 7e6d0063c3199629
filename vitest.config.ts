import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests start real servers and spawn dig/kdig: two cores, so keep files from starving each other.
    maxWorkers: 2,
  },
})
