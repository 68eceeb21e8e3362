"""Stands in for `floe run`: records its arguments to $FAKE_FLOE_ARGS and prints $FAKE_FLOE_REPORT."""

import json
import os
import sys

with open(os.environ["FAKE_FLOE_ARGS"], "w", encoding="utf-8") as f:
    json.dump(sys.argv[1:], f)
print("[1/4] Starting runtime", file=sys.stderr)
print(os.environ["FAKE_FLOE_REPORT"])
sys.exit(int(os.environ.get("FAKE_FLOE_EXIT", "0")))
