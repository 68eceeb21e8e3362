import { ComputeConformance } from "@floe/spec/testing"
import { DuckDBCompute } from "../src/index.ts"

ComputeConformance.suite("duckdb (in memory)", DuckDBCompute.layer({ threads: 2, connections: 4 }), {
  database: "memory",
  slowQuery: "SELECT count(*) AS n FROM range(100000000000) a",
  integerTypes: ["INTEGER", "BIGINT"],
  stringTypes: ["VARCHAR"],
})

// A bind-only engine (the CLI's compile-time check) is still a whole engine: only optimizer passes are off.
ComputeConformance.suite(
  "duckdb (in memory, bind-only)",
  DuckDBCompute.layer({ threads: 1, connections: 2, bindOnly: true }),
  {
    database: "memory",
    slowQuery: "SELECT count(*) AS n FROM range(100000000000) a",
    integerTypes: ["INTEGER", "BIGINT"],
    stringTypes: ["VARCHAR"],
  },
)
