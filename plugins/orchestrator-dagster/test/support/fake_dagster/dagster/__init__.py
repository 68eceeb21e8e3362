"""A stand-in for the few Dagster names the generated code uses, so tests can import and call the generated assets
without Dagster installed. Records what the decorators and constructors were given."""

import enum


class AssetKey:
    def __init__(self, path):
        self.path = list(path)

    def __eq__(self, other):
        return isinstance(other, AssetKey) and other.path == self.path

    def __repr__(self):
        return f"AssetKey({self.path!r})"


class AssetCheckSpec:
    def __init__(self, name, asset, description=None):
        self.name, self.asset, self.description = name, asset, description


class AssetCheckSeverity(enum.Enum):
    WARN = "WARN"
    ERROR = "ERROR"


class MaterializeResult:
    def __init__(self, metadata=None):
        self.metadata = metadata or {}


class AssetCheckResult:
    def __init__(self, check_name, passed, severity=AssetCheckSeverity.ERROR, metadata=None):
        self.check_name, self.passed, self.severity, self.metadata = check_name, passed, severity, metadata or {}


class Failure(Exception):
    def __init__(self, description=None, metadata=None):
        super().__init__(description)
        self.description, self.metadata = description, metadata or {}


class AssetExecutionContext:
    pass


def asset(**kwargs):
    def wrap(fn):
        fn.asset_kwargs = kwargs
        return fn

    return wrap


class AssetSelection:
    @staticmethod
    def assets(*assets):
        return ("assets", assets)


in_process_executor = "in_process_executor"


def define_asset_job(**kwargs):
    return ("job", kwargs)


class ScheduleDefinition:
    def __init__(self, **kwargs):
        self.kwargs = kwargs


class Definitions:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
