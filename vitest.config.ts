import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests start real servers and spawn dig/kdig: two cores, so keep files from starving each other.
    maxWorkers: 2,
    // The kubernetes plugin reads the host's resolv.conf (autopath's search domains): never this machine's.
    env: { CLUSTERDNS_RESOLV_CONF: '/dev/null' },
  },
})
