"""failreason: accounting-system errors in, Pleo failure reasons out.

engine = failreason.load()
result = engine.classify({"system": "xero", "status": 400, "body": {...}})
result.failure_reason_type, result.failure_reason

Test helpers (a local Pleo, the faults it injects, the contract check) are in
``failreason.testing``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from failreason._engine import Engine, Explanation, Step
from failreason._errors import (
    EnvelopeError,
    FailreasonError,
    Location,
    Problem,
    RuleFileError,
    RulesDirectoryError,
)
from failreason._example_specs import Example
from failreason._load import load
from failreason._result import Classification
from failreason._rules import Rule
from failreason._schema import rule_file_schema
from failreason._signal import Signal
from failreason._vocabulary import ITEM_FAILURE_TYPES, STAGES

if TYPE_CHECKING:
    from failreason._joblock import JobLockedError
    from failreason._outcome import ReportOutcome
    from failreason._pleo import PleoClient, Report
    from failreason._pleo_async import AsyncPleoClient, AsyncReport
    from failreason._pleo_http import (
        CredentialsError,
        IncompleteJobError,
        JobNotReportableError,
        PleoError,
        PleoSettings,
        PleoSettingsError,
    )
    from failreason._policy import RetryPolicy
    from failreason._prechecks import ExportConfiguration
    from failreason._report_flow import ReportFinishedError
    from failreason._run_plan import ItemFailure, RunSummary
    from failreason._run_types import Failed, Posted, StopRunError
    from failreason._runner import ExportRunner, run_export
    from failreason._runner_async import AsyncExportRunner, run_export_async

# Reporting to Pleo and running exports pull in httpx and asyncio; classifying needs neither,
# so these names are imported the first time they are used (PEP 562), and `failreason
# classify` starts faster.
_REPORTING = {
    "AsyncPleoClient": "_pleo_async",
    "AsyncExportRunner": "_runner_async",
    "AsyncReport": "_pleo_async",
    "CredentialsError": "_pleo_http",
    "ExportConfiguration": "_prechecks",
    "ExportRunner": "_runner",
    "Failed": "_run_types",
    "IncompleteJobError": "_pleo_http",
    "ItemFailure": "_run_plan",
    "JobLockedError": "_joblock",
    "JobNotReportableError": "_pleo_http",
    "PleoClient": "_pleo",
    "PleoError": "_pleo_http",
    "PleoSettings": "_pleo_http",
    "PleoSettingsError": "_pleo_http",
    "Posted": "_run_types",
    "Report": "_pleo",
    "ReportFinishedError": "_report_flow",
    "ReportOutcome": "_outcome",
    "RetryPolicy": "_policy",
    "RunSummary": "_run_plan",
    "StopRunError": "_run_types",
    "run_export": "_runner",
    "run_export_async": "_runner_async",
}


def __getattr__(name: str) -> Any:
    module = _REPORTING.get(name)
    if module is None:
        raise AttributeError(f"module 'failreason' has no attribute {name!r}")
    value = getattr(import_module(f"failreason.{module}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_REPORTING})


__version__ = "0.1.0"

__all__ = [
    "ITEM_FAILURE_TYPES",
    "STAGES",
    "AsyncExportRunner",
    "AsyncPleoClient",
    "AsyncReport",
    "Classification",
    "CredentialsError",
    "Engine",
    "EnvelopeError",
    "Example",
    "Explanation",
    "ExportConfiguration",
    "ExportRunner",
    "Failed",
    "FailreasonError",
    "IncompleteJobError",
    "ItemFailure",
    "JobLockedError",
    "JobNotReportableError",
    "Location",
    "PleoClient",
    "PleoError",
    "PleoSettings",
    "PleoSettingsError",
    "Posted",
    "Problem",
    "Report",
    "ReportFinishedError",
    "ReportOutcome",
    "RetryPolicy",
    "Rule",
    "RuleFileError",
    "RulesDirectoryError",
    "RunSummary",
    "Signal",
    "Step",
    "StopRunError",
    "__version__",
    "load",
    "rule_file_schema",
    "run_export",
    "run_export_async",
]
