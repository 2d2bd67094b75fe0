"""Pleo's vocabulary: failure reason types, export stages and the systems we know by name."""

from __future__ import annotations

# The item-level failureReasonType values of Pleo's Export API, in its order.
ITEM_FAILURE_TYPES: tuple[str, ...] = (
    "missing_configuration",
    "invalid_configuration",
    "vendor_unknown",
    "account_unknown",
    "tax_code_unknown",
    "tag_unknown",
    "receipt_upload_failure",
    "receipt_download_failure",
    "receipt_file_size_limit_exceeded",
    "receipt_conversion_failure",
    "accounting_system_authentication_failure",
    "authorization_failure",
    "accounting_system_rate_limit",
    "accounting_system_unreachable",
    "accounting_system_timeout",
    "accounting_system_validation_failure",
    "validation_failure",
    "unexpected_failure",
)

# The job-level failureReasonType values of Pleo's Export API, plus the seed's default for a
# failed job, accounting_system_validation_failure, which that list lacks.
JOB_FAILURE_TYPES: tuple[str, ...] = (
    "invalid_configuration",
    "missing_configuration",
    "authentication_failure",
    "accounting_system_authentication_failure",
    "pleo_rate_limit",
    "accounting_system_rate_limit",
    "service_unreachable",
    "accounting_system_unreachable",
    "validation_failure",
    "authorization_failure",
    "integration_unusable",
    "job_expired",
    "service_timeout",
    "accounting_system_timeout",
    "canceled_by_user",
    "accounting_system_validation_failure",
)

# Waiting and sending the same entry again can succeed for these; nothing else changes by waiting.
RETRYABLE_BY_DEFAULT: frozenset[str] = frozenset(
    {
        "accounting_system_rate_limit",
        "accounting_system_unreachable",
        "accounting_system_timeout",
    }
)

# What the connector was doing when the error happened; `entry` when it does not say.
STAGES: tuple[str, ...] = ("validation", "entry", "receipt_download", "receipt_upload", "auth")
DEFAULT_STAGE = "entry"

# Limits and final statuses of Pleo's Export API, shared by the clients and the sandbox.
MAX_ITEMS_PER_UPDATE = 100  # more in one PUT is 413 EXPORT_JOB_ITEMS_UPDATE_LIMIT
MAX_PAGE_SIZE = 100  # the largest `limit` when listing a job's items
FINAL_ITEM_STATUSES: tuple[str, ...] = ("successful", "failed")
FINISHED_JOB_STATUSES: tuple[str, ...] = ("failed", "completed", "completed_with_errors")

# Pleo keeps failure reasons short; longer accounting-system text is cut at a word boundary.
MAX_REASON_LENGTH = 500
