/** Names are handled without the trailing dot, lower case for matching; the root is ''. */
export function normalizeName(text: string): string {
  const lower = text.toLowerCase()
  if (lower === '.' || lower === '') return ''
  return lower.endsWith('.') ? lower.slice(0, -1) : lower
}

/** Whether `name` is `zone` or below it (both normalized). */
export function isInZone(name: string, zone: string): boolean {
  if (zone === '') return true
  if (name.length === zone.length) return name === zone
  return name.length > zone.length && name.endsWith(zone) && name.charCodeAt(name.length - zone.length - 1) === 46
}

/** Whether `name` is in any of `zones` (CoreDNS's Zones.Matches, as a yes or no). */
export function inAnyZone(name: string, zones: readonly string[]): boolean {
  for (const zone of zones) if (isInZone(name, zone)) return true
  return false
}

/** A zone as people and metrics write it: with its trailing dot, the root as `.`. */
export const zoneText = (zone: string): string => (zone === '' ? '.' : `${zone}.`)

/** The longest of `zones` that holds `name`, or null. */
export function longestZone(name: string, zones: readonly string[]): string | null {
  let best: string | null = null
  for (const zone of zones) {
    if (isInZone(name, zone) && (best === null || zone.length > best.length)) best = zone
  }
  return best
}

/** The labels of `name` left of `zone`, nearest the zone first (`a.b.zone` → ['b', 'a']). */
export function labelsBelow(name: string, zone: string): string[] {
  const rest = zone === '' ? name : name.slice(0, Math.max(0, name.length - zone.length - 1))
  return rest === '' ? [] : rest.split('.').reverse()
}
