import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { logLines, startServer, type RunningServer } from '../support/dns-server.js'
import { until } from '../support/until.js'

let server: RunningServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

const corefile = (file: string): string => `.:0 {\n  bind 127.0.0.1\n  kubernetes cluster.local {\n    manifests ${file}\n    startup_timeout 100ms\n  }\n}\n`
const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: apps }\nspec: { clusterIP: 10.96.2.1, ports: [{ port: 80 }] }\n'

describe('text from a manifest file reaches the log escaped as dig writes names', () => {
  it('a parse error quoting the file (an alias named with a backslash, UTF-8 and ESC) is one line, each such byte escaped', async () => {
    logLines.length = 0
    server = await startServer(corefile('cluster.yaml'), { 'cluster.yaml': SERVICE })
    // YAML's message for an alias never defined quotes its name: `x\é<ESC>y`.
    writeFileSync(join(server.dir, 'cluster.yaml'), Buffer.concat([Buffer.from('apiVersion: v1\nkind: *x\\'), Buffer.from([0xc3, 0xa9, 0x1b]), Buffer.from('y\n')]))
    const line = await until(async () => logLines.find((l) => l.includes('keeping the previous records')) ?? '', Boolean, 15_000)
    expect(line).toMatch(/^\[ERROR\] plugin\/kubernetes: .*cluster\.yaml: Unresolved alias .*: x\\\\\\195\\169\\027y; keeping the previous records$/)
    expect((await server.ask('web.apps.svc.cluster.local', 'A')).answer).toEqual(['web.apps.svc.cluster.local. 5 IN A 10.96.2.1'])
  })
})
