import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli-process.js'

// Options read as CoreDNS 1.14's setup code reads them: what it accepts passes -validate, what it
// refuses is refused, each problem with its line.
const validate = (corefile: string): ReturnType<typeof runCli> => runCli(['-conf', '-', '-validate'], { input: corefile })

describe('-validate takes what CoreDNS takes', () => {
  it('reload 2s, cache bounds, bind by interface, several endpoints', () => {
    const run = validate(
      [
        '.:1053 {',
        '  reload 2s', // CoreDNS cuts the 15s default jitter to 1s
        '  bind lo {',
        '    except 127.0.0.1',
        '  }',
        '  cache 30 {',
        '    success 0', // 256 shards of at least 4 entries
        '    servfail 0', // a bare 0 is a Go duration
        '    serve_stale 0 VERIFY',
        '    prefetch 1 0 90%',
        '  }',
        '  kubernetes cluster.local {',
        '    endpoint http://127.0.0.1:1 http://127.0.0.1:2',
        '  }',
        '}',
        '',
      ].join('\n'),
    )
    expect(run.stderr).toBe('')
    expect(run.stdout).toBe(
      "[WARNING] plugin/kubernetes: stdin:13: Multiple endpoints have been deprecated, only the first specified endpoint 'http://127.0.0.1:1' is used\nstdin: OK\n",
    )
    expect(run.status).toBe(0)
  })

  it('refuses what CoreDNS refuses, every problem with its line', () => {
    const run = validate(
      [
        '.:1053 {',
        '  reload 2s 500ms', // 2: a jitter is 0 or at least 1s
        '  cache 0', // 3: a TTL of 0 is reserved
        '  bind nosuchif0', // 4
        '}',
        'cluster.local:1053 {',
        '  bind lo {', // 7: nothing left
        '    except lo',
        '  }',
        '  cache {',
        '    success 100 0', // 11
        '    prefetch 1 1m 5%', // 12: 10% to 90%
        '  }',
        '}',
        '',
      ].join('\n'),
    )
    // Each block's problems in the order its directives act.
    expect(run.stderr.split('\n')).toEqual([
      'stdin:4: plugin/bind: not a valid IP address or interface name: nosuchif0',
      'stdin:2: plugin/reload: jitter must be 0 or at least 1s',
      'stdin:3: plugin/cache: cache: TTL can not be zero or negative: 0',
      'stdin:7: plugin/bind: every address is excepted: the server block would listen nowhere',
      'stdin:11: plugin/cache: success: TTL can not be zero or negative: 0',
      'stdin:12: plugin/cache: prefetch: 5% is not a percentage from 10% to 90%',
      '',
    ])
    expect(run.status).toBe(1)
  })
})
