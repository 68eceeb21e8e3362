"""Imports a generated package against the fake dagster module and calls one asset; prints what it yielded as JSON
(or the dg.Failure it raised). Usage: run_asset.py <dir holding the package> <package> <asset function>."""

import importlib
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "fake_dagster"))
sys.path.insert(0, sys.argv[1])
dg = importlib.import_module("dagster")
definitions = importlib.import_module(sys.argv[2] + ".definitions")


class Log:
    def info(self, message):
        print(message, file=sys.stderr)


class Context:
    log = Log()


out = []
try:
    for item in getattr(definitions, sys.argv[3])(Context()):
        if isinstance(item, dg.MaterializeResult):
            out.append({"type": "materialize", "metadata": item.metadata})
        else:
            out.append({"type": "check", "name": item.check_name, "passed": item.passed, "severity": item.severity.value})
except dg.Failure as failure:
    out.append({"type": "failure", "description": failure.description})
print(json.dumps({"results": out, "schedules": [s.kwargs for s in definitions.SCHEDULES if hasattr(s, "kwargs")]}, default=str))
