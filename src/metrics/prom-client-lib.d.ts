// prom-client's files as src/metrics/prom-client.ts imports them; it says what each one is.
declare module 'prom-client/lib/*' {
  const exported: unknown
  export default exported
}
