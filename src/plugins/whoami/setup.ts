import { expectBare } from '../../config/directive-args.js'
import type { PluginDefinition } from '../plugin.js'
import { whoamiHandler } from './handler.js'

/** `whoami`: every query answered with the client's own address and port. */
export const whoami: PluginDefinition = {
  name: 'whoami',
  once: true,
  setup(uses) {
    expectBare(uses[0]!)
    return { middleware: () => whoamiHandler }
  },
}
