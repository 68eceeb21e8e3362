import { describe, expect, it } from "@effect/vitest"
import * as Csv from "../src/internal/csv.ts"

describe("CSV seeds", () => {
  it("reads quotes, doubled quotes, CRLF, a BOM and a missing final newline", () => {
    const records = Csv.parse('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n1,')
    expect(records.map((r) => r.map((f) => f.value))).toEqual([
      ["a", "b"],
      ["x, y", 'say "hi"'],
      ["1", ""],
    ])
    expect(Csv.parse("a;b\n1;2\n", ";").map((r) => r.map((f) => f.value))).toEqual([
      ["a", "b"],
      ["1", "2"],
    ])
  })

  it("infers PostgreSQL types; NULLs do not count; declared types win", () => {
    const v = (...xs: ReadonlyArray<string>) => xs.map((value) => ({ value, quoted: false }))
    expect(Csv.inferType(v("1", "-2", ""))).toBe("integer")
    expect(Csv.inferType(v("1", "3000000000"))).toBe("bigint")
    expect(Csv.inferType(v("99999999999999999999"))).toBe("numeric")
    expect(Csv.inferType(v("1", "2.5", "1e3"))).toBe("double precision")
    expect(Csv.inferType(v("true", "FALSE"))).toBe("boolean")
    expect(Csv.inferType(v("2024-01-02"))).toBe("date")
    expect(Csv.inferType(v("2024-01-02 03:04", "2024-01-02T03:04:05.123"))).toBe("timestamp")
    expect(Csv.inferType(v("2024-13-45"))).toBe("text")
    expect(Csv.inferType(v("", ""))).toBe("text")
    expect(
      Csv.inferType([
        { value: "1", quoted: false },
        { value: "x", quoted: true },
      ]),
    ).toBe("text")
    expect(Csv.columns("Id,n\n1,2\n", ",", { id: "varchar" })).toEqual({
      names: ["Id", "n"],
      types: ["varchar", "integer"],
    })
  })
})
