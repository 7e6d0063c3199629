import { readFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { ErrorCode, isError, type ManifestError } from '../errors.js'
import { manifestObjects, tooLarge } from './manifest-parser.js'

/**
 * What the manifest worker posts: objects in batches, then the end or the one problem that stopped
 * it (what is wrong, without the file's name: the main thread names it).
 */
export type ParserMessage = { readonly objects: unknown[] } | { readonly done: true } | { readonly error: string }

export interface ParserJob {
  readonly file: string
  readonly maxBytes: number
}

/** Objects per message: each batch is projected on the main thread between DNS answers. */
const BATCH = 500

/**
 * The main thread asks for each next batch once it has taken the last one: batches queued up would
 * be received all in one turn of its event loop, which is what this worker is here to avoid.
 */
const nextRequested = (): Promise<void> => new Promise((resolve) => port.once('message', () => resolve()))

// Runs in a worker thread: parsing a large file (seconds of CPU, a large syntax tree) happens away
// from the thread that answers DNS, and its memory goes when the worker ends.
const { file, maxBytes } = workerData as ParserJob
const port = parentPort!
try {
  let text: Buffer
  try {
    text = readFileSync(file)
  } catch (err) {
    throw new Error(`cannot read: ${(err as Error).message}`)
  }
  // Checked again on what was read: the file may have grown since the size was looked at.
  if (text.length > maxBytes) throw new Error(tooLarge(text.length, maxBytes))
  let batch: unknown[] = []
  for (const obj of manifestObjects(file, text.toString('utf8'))) {
    batch.push(obj)
    if (batch.length === BATCH) {
      port.postMessage({ objects: batch } satisfies ParserMessage)
      batch = []
      await nextRequested()
    }
  }
  if (batch.length > 0) port.postMessage({ objects: batch } satisfies ParserMessage)
  port.postMessage({ done: true } satisfies ParserMessage)
} catch (err) {
  port.postMessage({ error: isError(err, ErrorCode.MANIFEST) ? (err as ManifestError).detail : (err as Error).message } satisfies ParserMessage)
}
