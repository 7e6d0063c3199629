import { afterAll, afterEach, beforeAll } from 'vitest'

/**
 * For tests that start their own servers: wraps `start` so that whatever it started during a test
 * is stopped after that test, whether the test passed or not.
 */
export function stoppedAfterEach<A extends unknown[], T>(start: (...args: A) => Promise<T>, stop: (started: T) => Promise<void>): (...args: A) => Promise<T> {
  const started: T[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map(stop))
  })
  return async (...args) => {
    const running = await start(...args)
    started.push(running)
    return running
  }
}

/**
 * One server (or API server, or resolver) for all the tests of the calling file or describe block:
 * started before them, stopped after. Returns a getter (it exists only once the tests run).
 */
export function startedForAll<T>(start: () => Promise<T>, stop: (started: T) => Promise<void>): () => T {
  let running: T | undefined
  beforeAll(async () => {
    running = await start()
  })
  afterAll(async () => {
    if (running !== undefined) await stop(running)
  })
  return () => running!
}
