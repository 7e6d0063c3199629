import { Registry } from 'prom-client'

/** Every metric of the process; the prometheus plugin serves it. */
export const registry = new Registry()
