import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { renderManifests } from '../support/kustomize.js'

const PROMTOOL_TESTS = fileURLToPath(new URL('./alerts.promtool.yaml', import.meta.url))

interface Rule {
  readonly alert: string
  readonly expr: string
}
const rendered = renderManifests({ components: ['components/monitoring'] }).find((o) => o.kind === 'PrometheusRule')!
const groups = rendered.spec.groups as Array<{ name: string; rules: Rule[] }>

/** The PrometheusRule's groups as a Prometheus rules file, beside a copy of the promtool tests. */
function rulesDir(change: (text: string) => string = (t) => t): string {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-rules-'))
  writeFileSync(join(dir, 'clusterdns-rules.yaml'), change(JSON.stringify({ groups }, null, 1)))
  copyFileSync(PROMTOOL_TESTS, join(dir, 'alerts.promtool.yaml'))
  return dir
}

describe('the alerts of components/monitoring', () => {
  it('promtool check rules accepts them', () => {
    const dir = rulesDir()
    const out = execFileSync('promtool', ['check', 'rules', join(dir, 'clusterdns-rules.yaml')], { encoding: 'utf8' })
    expect(out).toContain(`SUCCESS: ${groups.flatMap((g) => g.rules).length} rules found`)
  })

  it('promtool test rules: each alert fires when it should and not before', () => {
    const dir = rulesDir()
    const run = spawnSync('promtool', ['test', 'rules', 'alerts.promtool.yaml'], { cwd: dir, encoding: 'utf8' })
    expect(run.stdout + run.stderr).toContain('SUCCESS')
    expect(run.status).toBe(0)
  })

  it('the promtool tests would catch a wrong threshold', () => {
    const dir = rulesDir((text) => text.replace('> 0.03', '> 0.3'))
    const run = spawnSync('promtool', ['test', 'rules', 'alerts.promtool.yaml'], { cwd: dir, encoding: 'utf8' })
    expect(run.status).toBe(1)
    expect(run.stdout + run.stderr).toMatch(/FAILED[\s\S]*ClusterDNSErrorsHigh/)
  })

  it('every alert has a case where it fires and one where it stays quiet', () => {
    const tests = parse(readFileSync(PROMTOOL_TESTS, 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> }
    const cases = tests.tests.flatMap((t) => t.alert_rule_test)
    const alerts = [...new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)))]
    expect(alerts).toEqual([
      'ClusterDNSDown',
      'ClusterDNSErrorsHigh',
      'ClusterDNSLatencyHigh',
      'ClusterDNSForwardLatencyHigh',
      'ClusterDNSForwardErrorsHigh',
      'ClusterDNSForwardHealthcheckFailureCount',
      'ClusterDNSForwardHealthcheckBrokenCount',
      'ClusterDNSPanics',
      'ClusterDNSReloadFailed',
      'ClusterDNSKubernetesAPIDown',
    ])
    for (const alert of alerts) {
      expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} fires somewhere`).toBe(true)
      expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} stays quiet somewhere`).toBe(true)
    }
    // Both severities of the two-level alerts are exercised.
    const severities = (name: string) => new Set(cases.filter((c) => c.alertname === name).flatMap((c) => c.exp_alerts.map((a) => (a as { exp_labels: { severity: string } }).exp_labels.severity)))
    expect(severities('ClusterDNSErrorsHigh')).toEqual(new Set(['critical', 'warning']))
    expect(severities('ClusterDNSForwardErrorsHigh')).toEqual(new Set(['critical', 'warning']))
  })
})
