/**
 * File names for namespace levels and table names. A level may hold any text ("Mid", "a.b", "日本語", "../x"), and
 * the directory may live on a case-insensitive file system (macOS, Windows), so names are escaped: lower-case ASCII
 * letters, digits, `_` and `-` stay as they are, every other character becomes `%XX` per UTF-8 byte with upper-case
 * hex digits (`Mid` → `%4Did`). The mapping is injective even after case folding, and its output never contains a
 * dot, so the adapter's own files (`namespace.json`, `*.table.json`, `.tmp-*`) can never collide with a level.
 */

const KEEP = /^[a-z0-9_-]$/
const ENCODED = /^(?:[a-z0-9_-]|%[0-9A-F]{2})+$/
const utf8 = new TextEncoder()

/** Longest escaped name accepted: leaves room for `.table.json` within the usual 255-byte file-name limit. */
export const MAX_ENCODED_LENGTH = 200

/** The escaped file name of a level or table name. */
export const encode = (name: string): string => {
  let out = ""
  for (const ch of name) {
    if (KEEP.test(ch)) out += ch
    else for (const byte of utf8.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
  }
  return out
}

/** The name a file name stands for, or `undefined` when it is not one this adapter wrote (a stray file). */
export const decode = (fileName: string): string | undefined => {
  if (!ENCODED.test(fileName)) return undefined
  try {
    const name = decodeURIComponent(fileName)
    return encode(name) === fileName ? name : undefined
  } catch {
    return undefined
  }
}

/** Why a name cannot be stored as a file name, or `undefined` when it can. */
export const problem = (name: string): string | undefined => {
  for (const ch of name) {
    const code = ch.charCodeAt(0)
    if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff) return `'${name}' holds a lone UTF-16 surrogate`
  }
  return encode(name).length > MAX_ENCODED_LENGTH
    ? `'${name.slice(0, 40)}…' is too long for a file name (${MAX_ENCODED_LENGTH} bytes escaped)`
    : undefined
}
