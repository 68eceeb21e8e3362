/**
 * Two pg "submittables" (objects `client.query` runs in place of its own `Query`, the mechanism pg-cursor and
 * pg-query-stream use) for what pg's `Query` does not offer:
 *
 * - `Describe`: Parse + Describe(statement) + Sync on the unnamed statement. PostgreSQL plans nothing and runs
 *   nothing; it answers with the statement's RowDescription (column names, type OIDs and modifiers), or NoData, or
 *   the error binding it raised. This is the extended protocol's own "what would this return" and works on every
 *   PostgreSQL version (`pg_prepared_statements.result_types` needs 16).
 * - `CopyIn`: `COPY … FROM STDIN` fed from a buffer, answering CopyInResponse with CopyData chunks and CopyDone.
 */
import type { FieldDef } from "pg"

interface Connection {
  parse(query: { text: string; name?: string; types?: Array<number> }): void
  describe(msg: { type: "S" | "P"; name?: string }): void
  sync(): void
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
}

/** Base: a submittable whose outcome is a promise, settled when the server is ready for the next query. */
abstract class Submittable<A> {
  private error: unknown
  private readonly settle: { resolve: (a: A) => void; reject: (e: unknown) => void }
  readonly promise: Promise<A>
  /** Set by pg for a submittable; unused here (the promise reports the outcome). */
  callback: ((err: unknown, res: unknown) => void) | undefined = undefined
  constructor() {
    let settle: { resolve: (a: A) => void; reject: (e: unknown) => void } | undefined
    this.promise = new Promise<A>((resolve, reject) => {
      settle = { resolve, reject }
    })
    this.settle = settle as { resolve: (a: A) => void; reject: (e: unknown) => void }
  }
  abstract submit(connection: Connection): void
  protected abstract result(): A
  handleError(error: unknown): void {
    // pg forgets the active query on an error (the ReadyForQuery after it goes to nobody), so settle now; the
    // client sends nothing else before that ReadyForQuery arrives.
    this.error ??= error
    this.settle.reject(this.error)
  }
  handleReadyForQuery(): void {
    if (this.error !== undefined) this.settle.reject(this.error)
    else this.settle.resolve(this.result())
  }
  handleRowDescription(_msg: { fields: Array<FieldDef> }): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCommandComplete(_msg: { text: string }): void {}
  handleCopyInResponse(_connection: Connection): void {}
  handleCopyData(): void {}
}

/** The output fields of `text`, bound by the server without executing it. Empty for statements without rows. */
export class Describe extends Submittable<ReadonlyArray<FieldDef>> {
  private fields: ReadonlyArray<FieldDef> = []
  readonly text: string
  constructor(text: string) {
    super()
    this.text = text
  }
  submit(connection: Connection): void {
    connection.parse({ text: this.text, name: "", types: [] })
    connection.describe({ type: "S", name: "" })
    connection.sync()
  }
  override handleRowDescription(msg: { fields: Array<FieldDef> }): void {
    this.fields = msg.fields
  }
  protected result(): ReadonlyArray<FieldDef> {
    return this.fields
  }
}

const CHUNK = 64 * 1024

/** Runs `COPY … FROM STDIN` with `data` as the input; resolves to the copied row count. */
export class CopyIn extends Submittable<number> {
  private rows = 0
  readonly text: string
  private readonly data: Buffer
  constructor(text: string, data: Buffer) {
    super()
    this.text = text
    this.data = data
  }
  submit(connection: Connection): void {
    connection.query(this.text)
  }
  override handleCopyInResponse(connection: Connection): void {
    for (let i = 0; i < this.data.length; i += CHUNK) connection.sendCopyFromChunk(this.data.subarray(i, i + CHUNK))
    connection.endCopyFrom()
  }
  override handleCommandComplete(msg: { text: string }): void {
    const n = /^COPY (\d+)/.exec(msg.text)?.[1]
    if (n !== undefined) this.rows = Number(n)
  }
  protected result(): number {
    return this.rows
  }
}
