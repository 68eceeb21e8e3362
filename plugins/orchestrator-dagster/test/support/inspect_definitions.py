"""Reads generated Dagster definitions with Python's ast module (Dagster need not be installed) and prints JSON:
the assets (function, key, deps, group, checks, the floe unique_id and --select), the ASSETS list, the job and the
schedules, so tests can compare them with the DAG and floe.yaml."""

import ast
import json
import sys


def call_name(node):
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def asset_key(node):
    assert call_name(node) == "AssetKey", ast.dump(node)
    return ast.literal_eval(node.args[0])


def keywords(call):
    return {k.arg: k.value for k in call.keywords}


def literal_or_name(node):
    if isinstance(node, ast.List):
        return [literal_or_name(e) for e in node.elts]
    if isinstance(node, ast.Name):
        return {"name": node.id}
    try:
        return ast.literal_eval(node)
    except ValueError:
        return {"call": call_name(node)}


def inspect(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), filename=path)
    out = {"assets": [], "asset_list": None, "jobs": [], "schedules": [], "definitions": None, "imports": []}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            out["imports"].append(ast.unparse(stmt))
        if isinstance(stmt, ast.FunctionDef):
            for dec in stmt.decorator_list:
                name = call_name(dec)
                if name == "asset":
                    kw = keywords(dec)
                    metadata = ast.literal_eval(kw["metadata"])
                    checks = []
                    for spec in kw.get("check_specs", ast.List(elts=[])).elts:
                        skw = keywords(spec)
                        checks.append({"name": ast.literal_eval(skw["name"]), "asset": asset_key(skw["asset"])})
                    run = stmt.body[-1].value.value  # yield from floe_run(...)
                    rkw = keywords(run)
                    out["assets"].append(
                        {
                            "function": stmt.name,
                            "key": asset_key(kw["key"]),
                            "deps": [asset_key(d) for d in kw["deps"].elts],
                            "group": ast.literal_eval(kw["group_name"]),
                            "checks": checks,
                            "unique_id": metadata["floe/unique_id"],
                            "runs": call_name(run),
                            "select": ast.literal_eval(rkw["select"]),
                            "run_unique_id": ast.literal_eval(rkw["unique_id"]),
                            "run_checks": ast.literal_eval(rkw["checks"]),
                        }
                    )
                elif name == "dbt_assets":
                    kw = keywords(dec)
                    out["assets"].append({"function": stmt.name, "dbt_assets": {"select": ast.literal_eval(kw["select"])}})
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            target = stmt.targets[0].id
            value = stmt.value
            if target == "ASSETS":
                out["asset_list"] = [e.id for e in value.elts]
            kind = call_name(value)
            if kind == "define_asset_job":
                kw = keywords(value)
                out["jobs"].append(
                    {"variable": target, "name": ast.literal_eval(kw["name"]), "executor": call_name(kw["executor_def"])}
                )
            if kind == "ScheduleDefinition":
                kw = keywords(value)
                out["schedules"].append(
                    {
                        "variable": target,
                        "name": ast.literal_eval(kw["name"]),
                        "job": kw["job"].id,
                        "cron_schedule": ast.literal_eval(kw["cron_schedule"]),
                        "execution_timezone": ast.literal_eval(kw["execution_timezone"]),
                    }
                )
            if isinstance(value, ast.List):
                for e in value.elts:
                    if call_name(e) == "build_schedule_from_dbt_selection":
                        kw = keywords(e)
                        out["schedules"].append(
                            {
                                "variable": target,
                                "name": ast.literal_eval(kw["job_name"]),
                                "cron_schedule": ast.literal_eval(kw["cron_schedule"]),
                                "execution_timezone": ast.literal_eval(kw["execution_timezone"]),
                                "dbt_select": ast.literal_eval(kw["dbt_select"]),
                            }
                        )
            if kind == "Definitions":
                out["definitions"] = {k: literal_or_name(v) for k, v in keywords(value).items()}
    return out


if __name__ == "__main__":
    print(json.dumps(inspect(sys.argv[1])))
