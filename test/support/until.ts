import { setTimeout as sleep } from 'node:timers/promises'

/** Calls `probe` until `done` holds for its result or `ms` pass; returns the last result. */
export async function until<T>(probe: () => Promise<T>, done: (result: T) => boolean, ms = 5000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + ms
  let result = await probe()
  while (!done(result) && Date.now() < deadline) {
    await sleep(everyMs)
    result = await probe()
  }
  return result
}
