import type { LabelSelector } from './label-selector.js'

/** Which objects a source keeps, from the `kubernetes` directive's options. */
export interface SourceFilter {
  /** `labels`: only Services that match. */
  readonly labels: LabelSelector | null
  /** `namespace_labels`: only namespaces that match are exposed. */
  readonly namespaceLabels: LabelSelector | null
  /** `noendpoints` turns this off. */
  readonly endpoints: boolean
  /** Pods are kept only for `pods verified`. */
  readonly pods: boolean
}
