#!/usr/bin/env node
// The installed `clusterdns` command. Written for any Node.js that may run it (CommonJS, no syntax
// newer than Node 12's): it checks the version before loading the server, whose modules need a
// newer Node and would otherwise die with a SyntaxError that does not say why.
'use strict'
var path = require('path')
var url = require('url')

var engines = require('../package.json').engines.node
var needed = /^>=\s*(\d+)\.(\d+)/.exec(engines)
var running = process.versions.node.split('.').map(Number)
var tooOld = running[0] < Number(needed[1]) || (running[0] === Number(needed[1]) && running[1] < Number(needed[2]))

if (tooOld) {
  process.stderr.write('clusterdns needs Node.js ' + needed[1] + '.' + needed[2] + ' or newer; this is Node.js ' + process.versions.node + ' (' + process.execPath + ')\n')
  process.exit(1)
}
var main = path.join(__dirname, '..', 'dist', 'main.js')
import(url.pathToFileURL(main).href).catch(function (err) {
  process.stderr.write('clusterdns: cannot load ' + main + ' (' + err.message + '); build it with npm run build\n')
  process.exit(1)
})
