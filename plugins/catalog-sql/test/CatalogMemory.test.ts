// The reference in-memory catalog from @floe/spec/testing against the suite every adapter runs. It lives here
// until packages/spec/test can take it; it keeps the suite itself honest next to the SQL adapter.
import { CatalogConformance, CatalogMemory } from "@floe/spec/testing"

CatalogConformance.suite("CatalogMemory (reference)", { layer: CatalogMemory.layerMemory })
