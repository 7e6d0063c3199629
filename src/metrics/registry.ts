import { Registry } from './prom-client.js'

/** Every metric of the process; the prometheus plugin serves it. */
export const registry = new Registry()
