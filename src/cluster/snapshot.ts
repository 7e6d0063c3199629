import { createHash } from 'node:crypto'
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { SnapshotError } from '../errors.js'
import type { ClusterObjects } from './records.js'

/**
 * A snapshot file: one header line `clusterdns-snapshot VERSION BYTES SHA256`, then a JSON body of
 * exactly BYTES bytes whose SHA-256 is SHA256. Another version, a short or a changed body is refused.
 */
const MAGIC = 'clusterdns-snapshot'
export const SNAPSHOT_VERSION = 1

export interface Snapshot {
  /** Unix seconds when it was written. */
  readonly writtenAt: number
  readonly objects: ClusterObjects
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const body = Buffer.from(JSON.stringify(snapshot))
  return Buffer.concat([Buffer.from(`${MAGIC} ${SNAPSHOT_VERSION} ${body.length} ${sha256(body)}\n`), body])
}

const temporary = (path: string): string => `${path}.tmp-${process.pid}`

/** Writes atomically: a temporary file, fsync, rename over `path`, fsync of the folder. */
export async function writeSnapshot(path: string, snapshot: Snapshot): Promise<void> {
  const temp = temporary(path)
  const file = await open(temp, 'w', 0o600)
  try {
    await file.writeFile(encodeSnapshot(snapshot))
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temp, path)
  const folder = await open(dirname(path), 'r')
  await folder.sync().finally(() => folder.close())
}

/** The same, synchronously: at shutdown, when the process is about to exit. */
export function writeSnapshotSync(path: string, snapshot: Snapshot): void {
  const temp = temporary(path)
  const fd = openSync(temp, 'w', 0o600)
  try {
    writeSync(fd, encodeSnapshot(snapshot))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, path)
  const folder = openSync(dirname(path), 'r')
  try {
    fsyncSync(folder)
  } finally {
    closeSync(folder)
  }
}

const isRecordList = (v: unknown): v is { name: unknown }[] => Array.isArray(v) && v.every((r) => typeof r === 'object' && r !== null && typeof (r as { name?: unknown }).name === 'string')

/** Reads and checks a snapshot whole; throws SnapshotError saying why it is refused. */
export function readSnapshot(path: string): Snapshot {
  let data: Buffer
  try {
    data = readFileSync(path)
  } catch (err) {
    throw new SnapshotError(path, `cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err })
  }
  const newline = data.indexOf(0x0a)
  const header = (newline < 0 ? '' : data.subarray(0, Math.min(newline, 200)).toString('latin1')).split(' ')
  if (header.length !== 4 || header[0] !== MAGIC) throw new SnapshotError(path, 'not a clusterdns snapshot')
  if (header[1] !== String(SNAPSHOT_VERSION)) throw new SnapshotError(path, `version ${JSON.stringify(header[1]).slice(0, 20)} is not ${SNAPSHOT_VERSION}`)
  const body = data.subarray(newline + 1)
  if (String(body.length) !== header[2]) throw new SnapshotError(path, `truncated or padded: ${body.length} bytes, the header says ${header[2]}`)
  if (sha256(body) !== header[3]) throw new SnapshotError(path, 'checksum mismatch: the file is corrupt')
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    throw new SnapshotError(path, 'the body is not JSON')
  }
  const { writtenAt, objects } = (parsed ?? {}) as { writtenAt?: unknown; objects?: Record<string, unknown> }
  if (typeof writtenAt !== 'number' || !objects || !['namespaces', 'services', 'slices', 'pods'].every((k) => isRecordList(objects[k]))) {
    throw new SnapshotError(path, 'the body is not a store snapshot')
  }
  return { writtenAt, objects: objects as unknown as ClusterObjects }
}
