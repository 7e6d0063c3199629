import type { Directive } from '../../config/corefile.js'
import { parseZone } from '../../config/server-address.js'
import { inAnyZone } from '../../dns/names.js'

/**
 * `fallthrough [ZONES…]`: names in these zones (every name without ZONES) go on to the next
 * plugin where this one has no answer (CoreDNS's plugin/pkg/fall).
 */
export class Fallthrough {
  /** Without the option: nothing falls through. */
  static readonly NONE = new Fallthrough([])

  private constructor(private readonly zones: readonly string[]) {}

  static fromOption(o: Directive): Fallthrough {
    return new Fallthrough(o.args.length === 0 ? [''] : o.args.flatMap((z) => parseZone(z, o)))
  }

  through(name: string): boolean {
    return inAnyZone(name, this.zones)
  }
}
