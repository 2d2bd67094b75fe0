"""The public surface is small, deliberate and typed."""

from __future__ import annotations

from importlib import resources

import pytest

import failreason

PUBLIC = [
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


def test_public_names_do_not_drift() -> None:
    """Adding or removing a public name is a deliberate change to this list."""
    assert failreason.__all__ == PUBLIC
    assert all(hasattr(failreason, name) for name in PUBLIC)


def test_package_is_marked_typed() -> None:
    """py.typed ships, so users' type checkers read our annotations."""
    assert resources.files("failreason").joinpath("py.typed").is_file()


def test_classification_is_frozen_and_builds_the_item_payload(engine: failreason.Engine) -> None:
    """A result cannot be changed, and gives Pleo's item update for an entry."""
    result = engine.classify({"status": 429, "message": "Slow down"})
    payload = result.item_payload("59540ed2-4f0c-4a5e-9c4b-8f9e6f3a1b2c")
    assert payload == {
        "accountingEntryId": "59540ed2-4f0c-4a5e-9c4b-8f9e6f3a1b2c",
        "status": "failed",
        "failureReasonType": "accounting_system_rate_limit",
        "failureReason": "Slow down",
    }
    with pytest.raises(AttributeError):
        result.failure_reason = "changed"  # type: ignore[misc]


def test_schema_type_enum_is_pleos_item_level_list() -> None:
    """The shipped schema allows exactly Pleo's 18 item-level failure types."""
    enum = failreason.rule_file_schema()["$defs"]["rule"]["properties"]["type"]["enum"]
    assert enum == list(failreason.ITEM_FAILURE_TYPES)
    assert len(enum) == 18


def test_errors_split_by_who_fixes_them() -> None:
    """Rule-file problems and envelope misuse share a base; misuse is also a TypeError."""
    assert issubclass(failreason.RuleFileError, failreason.FailreasonError)
    assert issubclass(failreason.EnvelopeError, failreason.FailreasonError)
    assert issubclass(failreason.EnvelopeError, TypeError)
    assert issubclass(failreason.RulesDirectoryError, failreason.RuleFileError)
    assert issubclass(failreason.RulesDirectoryError, NotADirectoryError)  # as before it had one
    assert issubclass(failreason.JobLockedError, failreason.FailreasonError)
