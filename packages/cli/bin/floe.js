#!/usr/bin/env node
// In the workspace, Node (>= 22.18 strips types) runs the TypeScript sources directly; the published package's bin
// points at dist/bin.js instead (publishConfig.bin).
import("../src/bin.ts")
