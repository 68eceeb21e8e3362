// An Iceberg REST catalog for the tests: node:http on 127.0.0.1 with in-memory state, implementing the config,
// OAuth2 token, namespace and table endpoints the plugin uses. Every request is checked against the vendored
// OpenAPI document first: a path or method the document does not define, or a body that does not validate (ajv,
// against the components.schemas the operation references), is answered 400 and recorded in `rejected`.
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { Ajv2020 } from "ajv/dist/2020.js"
import { parse as parseYaml } from "yaml"

const SPEC_FILE = new URL("../schemas/rest-catalog-open-api-1.11.0.yaml", import.meta.url)

interface Operation {
  readonly operationId?: string
  readonly requestBody?: {
    readonly content?: Record<string, { readonly schema?: { readonly $ref?: string } }>
  }
}

interface Route {
  readonly template: string
  readonly regex: RegExp
  readonly params: ReadonlyArray<string>
  readonly methods: Readonly<Record<string, Operation>>
}

const spec = parseYaml(fs.readFileSync(SPEC_FILE, "utf8")) as {
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>
}
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false })
ajv.addSchema(spec as object, "openapi")

const routes: ReadonlyArray<Route> = Object.entries(spec.paths).map(([template, item]) => {
  const params: Array<string> = []
  const regex = new RegExp(
    `^${template.replace(/\{([^}]+)\}/g, (_, name: string) => {
      params.push(name)
      return "([^/]+)"
    })}$`,
  )
  const methods: Record<string, Operation> = {}
  for (const m of ["get", "post", "put", "delete", "head"]) {
    const op = item[m]
    if (op !== undefined) methods[m.toUpperCase()] = op
  }
  return { template, regex, params, methods }
})

const validatorFor = (ref: string) => {
  const fn = ajv.getSchema(`openapi${ref}`)
  if (fn === undefined) throw new Error(`no schema ${ref} in the OpenAPI document`)
  return fn
}

interface TableState {
  location: string
  readonly uuid: string
  log: Array<{ "metadata-file": string; "timestamp-ms": number }>
}

export interface ServerOptions {
  /** The warehouse `/v1/config` expects, and the prefix it hands out for it. */
  readonly warehouse?: string
  readonly prefix?: string
  /** Require `Bearer` tokens issued by /v1/oauth/tokens for this client. */
  readonly client?: { readonly id: string; readonly secret: string; readonly expiresIn?: number }
  /** Require this fixed bearer token instead. */
  readonly token?: string
  /** Page size of list responses (small, so paging is exercised). */
  readonly pageSize?: number
  /**
   * Vend these storage credentials with table loads that ask for them (`X-Iceberg-Access-Delegation:
   * vended-credentials`), beside a less specific decoy, as catalogs that vend per-location credentials do.
   */
  readonly vend?: { readonly prefix: string; readonly config: Readonly<Record<string, string>> }
}

export interface TestServer {
  readonly uri: string
  /** Requests the OpenAPI document rejected: method, path and why. */
  readonly rejected: Array<string>
  /** Every request: "METHOD /path". */
  readonly requests: Array<string>
  /** The `X-Iceberg-Access-Delegation` header of every table load that carried one. */
  readonly delegations: Array<string>
  /** Statuses to answer the next catalog requests with, before handling them (retry tests). */
  readonly failNext: Array<number>
  readonly tokensIssued: () => number
  readonly close: () => Promise<void>
}

const key = (ns: ReadonlyArray<string>) => ns.join("\u001f")

export const start = async (options: ServerOptions = {}): Promise<TestServer> => {
  const prefix = options.prefix ?? "ws1"
  const pageSize = options.pageSize ?? 3
  const namespaces = new Map<string, { ns: Array<string>; props: Record<string, string> }>()
  const tables = new Map<string, Map<string, TableState>>()
  const issued = new Set<string>()
  const rejected: Array<string> = []
  const requests: Array<string> = []
  const failNext: Array<number> = []
  const delegations: Array<string> = []
  let tokenCount = 0

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    const raw = Buffer.concat(chunks).toString("utf8")
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const method = req.method ?? "GET"
    requests.push(`${method} ${url.pathname}`)
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { "Content-Type": "application/json" })
      res.end(body === undefined ? undefined : JSON.stringify(body))
    }
    const error = (status: number, type: string, message: string) =>
      send(status, { error: { message, type, code: status } })
    const reject = (why: string) => {
      rejected.push(`${method} ${url.pathname}: ${why}`)
      error(400, "BadRequestException", why)
    }

    // 1. The request must be one the OpenAPI document defines.
    const route = routes.find((r) => r.regex.test(url.pathname))
    if (route === undefined) return reject("no such path in the OpenAPI document")
    const op = route.methods[method]
    if (op === undefined) return reject(`${method} is not defined for ${route.template}`)
    const match = route.regex.exec(url.pathname)
    const params: Record<string, string> = {}
    route.params.forEach((p, i) => {
      params[p] = decodeURIComponent(match?.[i + 1] ?? "")
    })
    let body: unknown
    const content = op.requestBody?.content
    if (content !== undefined) {
      const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? ""
      const media = content[type]
      if (media === undefined) return reject(`content type '${type}' is not accepted`)
      try {
        body = type === "application/json" ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw))
      } catch {
        return reject("the body is not JSON")
      }
      const ref = media.schema?.$ref
      if (ref !== undefined) {
        const validate = validatorFor(ref)
        if (!validate(body)) return reject(`body does not match ${ref}: ${ajv.errorsText(validate.errors)}`)
      }
    } else if (raw.length > 0) {
      return reject("this operation takes no body")
    }
    if (route.params.includes("prefix") && params["prefix"] !== prefix) {
      return error(404, "NoSuchWarehouseException", `unknown prefix ${params["prefix"]}`)
    }

    // 2. Authentication.
    if (route.template === "/v1/oauth/tokens") {
      const form = body as Record<string, string>
      if (
        options.client === undefined ||
        form["client_id"] !== options.client.id ||
        form["client_secret"] !== options.client.secret
      ) {
        return send(401, { error: "invalid_client", error_description: "bad client credentials" })
      }
      tokenCount += 1
      const token = `token-${tokenCount}-${globalThis.crypto.randomUUID()}`
      issued.add(token)
      return send(200, { access_token: token, token_type: "bearer", expires_in: options.client.expiresIn ?? 3600 })
    }
    const auth = req.headers.authorization
    if (options.client !== undefined && !(auth?.startsWith("Bearer ") && issued.has(auth.slice(7)))) {
      return error(401, "NotAuthorizedException", "missing or unknown token")
    }
    if (options.token !== undefined && auth !== `Bearer ${options.token}`) {
      return error(401, "NotAuthorizedException", "missing or wrong token")
    }
    const fail = failNext.shift()
    if (fail !== undefined) return error(fail, "ServiceUnavailableException", "injected failure")

    // 3. The catalog.
    if (route.template === "/v1/config") {
      if (options.warehouse !== undefined && url.searchParams.get("warehouse") !== options.warehouse) {
        return error(404, "NoSuchWarehouseException", "unknown warehouse")
      }
      return send(200, { defaults: {}, overrides: { prefix } })
    }
    const nsParam = params["namespace"]
    const ns = nsParam === undefined ? undefined : nsParam.split("\u001f")
    const nsState = ns === undefined ? undefined : namespaces.get(key(ns))
    const noNs = () => error(404, "NoSuchNamespaceException", `Namespace does not exist: ${ns?.join(".")}`)
    const page = <T>(items: ReadonlyArray<T>) => {
      const start = Number(url.searchParams.get("pageToken") ?? "0")
      const slice = items.slice(start, start + pageSize)
      const next = start + pageSize < items.length ? String(start + pageSize) : null
      return { slice, next }
    }
    const loadResult = (name: string, t: TableState) => ({
      "metadata-location": t.location,
      metadata: {
        "format-version": 2,
        "table-uuid": t.uuid,
        location: `memory://${name}`,
        "last-updated-ms": 0,
        properties: {},
        schemas: [{ type: "struct", "schema-id": 0, fields: [] }],
        "current-schema-id": 0,
        "last-column-id": 0,
        "partition-specs": [{ "spec-id": 0, fields: [] }],
        "default-spec-id": 0,
        "last-partition-id": 999,
        "sort-orders": [{ "order-id": 0, fields: [] }],
        "default-sort-order-id": 0,
        "metadata-log": t.log,
      },
      config: {},
      ...(options.vend !== undefined &&
      String(req.headers["x-iceberg-access-delegation"] ?? "")
        .split(",")
        .includes("vended-credentials")
        ? {
            "storage-credentials": [
              { prefix: "memory://", config: { "s3.access-key-id": "decoy" } },
              { prefix: options.vend.prefix, config: { ...options.vend.config } },
            ],
          }
        : {}),
    })

    switch (`${method} ${route.template}`) {
      case "GET /v1/{prefix}/namespaces": {
        const parentRaw = url.searchParams.get("parent")
        const parent = parentRaw === null ? [] : parentRaw.split("\u001f")
        if (parent.length > 0 && !namespaces.has(key(parent))) return noNs()
        const children = [...namespaces.values()]
          .filter((n) => n.ns.length === parent.length + 1 && parent.every((l, i) => n.ns[i] === l))
          .map((n) => n.ns)
          .sort((a, b) => (key(a) < key(b) ? -1 : 1))
        const { slice, next } = page(children)
        return send(200, { namespaces: slice, "next-page-token": next })
      }
      case "POST /v1/{prefix}/namespaces": {
        const b = body as { namespace: Array<string>; properties?: Record<string, string> }
        if (b.namespace.length > 1 && !namespaces.has(key(b.namespace.slice(0, -1)))) {
          return error(404, "NoSuchNamespaceException", "parent namespace does not exist")
        }
        if (namespaces.has(key(b.namespace))) return error(409, "AlreadyExistsException", "namespace exists")
        namespaces.set(key(b.namespace), { ns: b.namespace, props: { ...(b.properties ?? {}) } })
        return send(200, { namespace: b.namespace, properties: b.properties ?? {} })
      }
      case "GET /v1/{prefix}/namespaces/{namespace}":
        return nsState === undefined ? noNs() : send(200, { namespace: nsState.ns, properties: nsState.props })
      case "HEAD /v1/{prefix}/namespaces/{namespace}":
        return send(nsState === undefined ? 404 : 204)
      case "DELETE /v1/{prefix}/namespaces/{namespace}": {
        if (nsState === undefined || ns === undefined) return noNs()
        const hasChildren = [...namespaces.values()].some(
          (n) => n.ns.length > ns.length && ns.every((l, i) => n.ns[i] === l),
        )
        if (hasChildren || (tables.get(key(ns))?.size ?? 0) > 0) {
          return error(409, "NamespaceNotEmptyException", "namespace is not empty")
        }
        namespaces.delete(key(ns))
        tables.delete(key(ns))
        return send(204)
      }
      case "POST /v1/{prefix}/namespaces/{namespace}/properties": {
        if (nsState === undefined) return noNs()
        const b = body as { removals?: Array<string>; updates?: Record<string, string> }
        const removals = b.removals ?? []
        const updates = b.updates ?? {}
        if (removals.some((k) => k in updates)) {
          return error(422, "UnprocessableEntityException", "a key is both updated and removed")
        }
        const removed = removals.filter((k) => k in nsState.props)
        const missing = removals.filter((k) => !(k in nsState.props))
        for (const k of removed) delete nsState.props[k]
        Object.assign(nsState.props, updates)
        return send(200, { updated: Object.keys(updates), removed, missing })
      }
      case "GET /v1/{prefix}/namespaces/{namespace}/tables": {
        if (nsState === undefined || ns === undefined) return noNs()
        const names = [...(tables.get(key(ns))?.keys() ?? [])].sort()
        const { slice, next } = page(names)
        return send(200, { identifiers: slice.map((name) => ({ namespace: ns, name })), "next-page-token": next })
      }
      case "POST /v1/{prefix}/namespaces/{namespace}/register": {
        if (nsState === undefined || ns === undefined) return noNs()
        const b = body as { name: string; "metadata-location": string; overwrite?: boolean }
        const inNs = tables.get(key(ns)) ?? new Map<string, TableState>()
        tables.set(key(ns), inNs)
        const existing = inNs.get(b.name)
        if (existing !== undefined && b.overwrite !== true) {
          return error(409, "AlreadyExistsException", `Table already exists: ${b.name}`)
        }
        const state: TableState =
          existing === undefined
            ? { location: b["metadata-location"], uuid: globalThis.crypto.randomUUID(), log: [] }
            : {
                location: b["metadata-location"],
                uuid: existing.uuid,
                log: [...existing.log, { "metadata-file": existing.location, "timestamp-ms": 0 }],
              }
        inNs.set(b.name, state)
        return send(200, loadResult(b.name, state))
      }
      case "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}":
      case "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}": {
        const name = params["table"] ?? ""
        const t = ns === undefined ? undefined : tables.get(key(ns))?.get(name)
        if (t === undefined || ns === undefined) {
          return error(404, "NoSuchTableException", `Table does not exist: ${name}`)
        }
        if (method === "GET") {
          const delegation = req.headers["x-iceberg-access-delegation"]
          if (typeof delegation === "string") delegations.push(delegation)
          return send(200, loadResult(name, t))
        }
        tables.get(key(ns))?.delete(name)
        return send(204)
      }
      default:
        return error(406, "UnsupportedOperationException", `${route.template} is not implemented by the test server`)
    }
  }

  const server = http.createServer((req, res) => {
    handler(req, res).catch((e: unknown) => {
      res.writeHead(500, { "Content-Type": "application/json" })
      res.end(JSON.stringify({ error: { message: String(e), type: "InternalServerError", code: 500 } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    uri: `http://127.0.0.1:${port}`,
    rejected,
    requests,
    delegations,
    failNext,
    tokensIssued: () => tokenCount,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((e) => (e ? reject(e) : resolve()))
      }),
  }
}
