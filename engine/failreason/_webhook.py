"""Verify Pleo's webhook deliveries and read the export job id an ``export-job.created`` carries.

Pure: no server, no clock of its own (``now`` is passed in), no I/O. The intake server is
``_webhook_server.py``; the sandbox signs deliveries with ``sign_delivery``.

What Pleo documents (developers.pleo.io, read November 2026):

- HMAC signature-based verification is the method Pleo "support[s] and recommend[s]"; each
  delivery carries the headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
  ``webhook-signature`` (``v1,<base64>``). Basic and custom-header authentication are the
  documented alternatives; they are not handled here.
  https://developers.pleo.io/reference/webhooks-authentication-authorisation
- The secret is ``whsec_...``, read with ``GET /v1/subscriptions/{id}/secret``
  (``{"data": {"secretKey": "whsec_..."}}``).
  https://developers.pleo.io/reference/subscriptions/get-subscription-secret-by-id
- The body is ``{"data": <the export job>, "eventId": ..., "eventType":
  "v1.export-job.created"}``; ``data`` is "an exact representation of the resource" when the
  event is generated, so the job id is ``data.id`` (its ``status`` is ``pending``).
  https://developers.pleo.io/reference/webhooks/webhook-events
- Subscriptions name the event ``v1.export-job.created``
  (https://developers.pleo.io/reference/subscriptions/create-a-subscription); Pleo's prose
  also spells it ``v1.export.job-created`` and ``v2.export-job.created``
  (https://developers.pleo.io/reference/overview-webhooks). All three are accepted.

What Pleo does not document: what exactly is signed, how the secret is decoded, several
signatures in one header, a timestamp tolerance, its retry schedule or the answer it expects.
Its headers, the ``v1,`` prefix, the ``whsec_`` secret and even its example signature
(``v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=``, which is the Standard Webhooks test
vector) are those of Standard Webhooks, so that specification fills the gaps
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
the signed content is ``{webhook-id}.{webhook-timestamp}.{raw body}``, HMAC-SHA256 keyed with
the base64-decoded secret after ``whsec_``, base64-encoded; ``webhook-signature`` is a
space-separated list (several during a secret rotation; any ``v1`` match is enough, other
versions are skipped); signatures are compared in constant time; a timestamp outside a
tolerance of the current time is refused (5 minutes in its reference libraries); the id stays
the same when a failed delivery is retried and serves as the idempotency key; any 2xx answer
is a success.

A repeated ``webhook-id`` within the tolerance is therefore refused as ``DuplicateDeliveryError``
rather than a 4xx: it is either a replay (nothing to do) or the sender's retry of a delivery
whose answer it lost, which must be answered 2xx or the sender keeps trying.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import hmac
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from failreason._errors import FailreasonError

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of every secret, not one)
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE = 300  # seconds; the Standard Webhooks reference libraries' five minutes
MAX_ID_LENGTH = 256  # a webhook-id longer than this is not one a sender makes
MAX_SIGNATURES = 16  # signatures read from one header: a rotation needs two
EVENT_TYPES = frozenset({"export-job.created", "export.job-created"})  # after "vN."
_VERSION_PREFIX = re.compile(r"^v[0-9]+\.")
_DIGITS = re.compile(r"[0-9]{1,12}")
_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")  # Pleo's are UUIDs; safe in a path
Headers = Mapping[str, str]


class WebhookError(FailreasonError):
    """A delivery that is not Pleo's or not as Pleo sends it; ``status`` is the HTTP answer
    (400: malformed, 401: not authentic or out of time). The message never holds a secret
    or a signature."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


class DuplicateDeliveryError(WebhookError):
    """A ``webhook-id`` already accepted: a replay, or a retry whose answer was lost."""

    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"delivery {webhook_id} was already accepted; it is not taken twice", 200)
        self.webhook_id = webhook_id


class WebhookSecretError(FailreasonError, ValueError):
    """Operators: a configured signing secret cannot be used (its value is never shown)."""


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified delivery: its id, timestamp and JSON body."""

    webhook_id: str
    timestamp: int
    payload: Mapping[str, Any] = field(repr=False)

    @property
    def event_type(self) -> str | None:
        value = self.payload.get("eventType")
        return value if isinstance(value, str) else None


def webhook_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret (the prefix may be left out)."""
    text = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise WebhookSecretError(
            "the webhook secret is not a whsec_ secret (whsec_ then base64): copy it whole from "
            "GET /v1/subscriptions/{id}/secret"
        )
    return key


def sign_delivery(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value (``v1,<base64>``) for one delivery."""
    return f"{SIGNATURE_VERSION},{_signature(webhook_key(secret), webhook_id, timestamp, body)}"


def _signature(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


class SeenDeliveries:
    """The ``webhook-id``s accepted within the tolerance, at most ``capacity`` of them.

    An id is kept until its timestamp falls out of the tolerance: after that a replay is
    refused for its timestamp already. When full, the id that expires first is dropped.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._expiry: dict[str, float] = {}
        self._order: list[tuple[float, str]] = []  # a heap: the first to expire on top
        self._lock = threading.Lock()

    def add(self, webhook_id: str, expires: float, now: float) -> bool:
        """Remember ``webhook_id``; False when it is remembered already."""
        with self._lock:
            while self._order and (self._order[0][0] <= now or len(self._order) >= self.capacity):
                del self._expiry[heapq.heappop(self._order)[1]]
            if webhook_id in self._expiry:
                return False
            self._expiry[webhook_id] = expires
            heapq.heappush(self._order, (expires, webhook_id))
            return True

    def __len__(self) -> int:
        return len(self._expiry)


def verify_delivery(
    headers: Headers,
    body: bytes,
    secret: str | Sequence[str],
    *,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE,
    seen: SeenDeliveries | None = None,
) -> WebhookDelivery:
    """The delivery, once its signature, timestamp and id are checked; else ``WebhookError``.

    ``secret``: one ``whsec_`` secret or several (the old and the new during a rotation).
    ``seen``: where accepted ids are remembered, to refuse a repeat within the tolerance.
    """
    keys = [webhook_key(secret)] if isinstance(secret, str) else [webhook_key(s) for s in secret]
    lowered = {name.lower(): value for name, value in headers.items()}
    webhook_id = _header(lowered, "webhook-id")
    timestamp = _timestamp(_header(lowered, "webhook-timestamp"), now, tolerance)
    signatures = _signatures(_header(lowered, "webhook-signature"))
    if len(webhook_id) > MAX_ID_LENGTH:
        raise WebhookError(f"webhook-id is longer than {MAX_ID_LENGTH} characters", 400)
    expected = [_signature(key, webhook_id, timestamp, body).encode() for key in keys]
    if not any(hmac.compare_digest(e, given) for e in expected for given in signatures):
        raise WebhookError(
            f"delivery {webhook_id}: no signature matches the body with the configured secret; "
            "check that the secret is this subscription's (GET /v1/subscriptions/{id}/secret) "
            "and that nothing between Pleo and here rewrites the body"
        )
    if seen is not None and not seen.add(webhook_id, timestamp + tolerance, now):
        raise DuplicateDeliveryError(webhook_id)
    return WebhookDelivery(webhook_id, timestamp, _payload(webhook_id, body))


def _header(headers: Headers, name: str) -> str:
    value = headers.get(name, "").strip()
    if not value:
        raise WebhookError(
            f"the delivery has no {name} header; Pleo signs every delivery with webhook-id, "
            "webhook-timestamp and webhook-signature",
            400,
        )
    return value


def _timestamp(text: str, now: float, tolerance: float) -> int:
    if not _DIGITS.fullmatch(text):
        raise WebhookError("webhook-timestamp is not a Unix time in whole seconds", 400)
    timestamp = int(text)
    off = timestamp - now
    if abs(off) > tolerance:
        when = "in the future" if off > 0 else "old"
        raise WebhookError(
            f"webhook-timestamp is {abs(off):.0f} s {when}, more than the {tolerance:g} s "
            "allowed: a replayed or delayed delivery, or this machine's clock is wrong"
        )
    return timestamp


def _signatures(header: str) -> list[bytes]:
    """The ``v1`` signatures of the header, as bytes to compare; other versions are skipped."""
    parts = header.split()
    if len(parts) > MAX_SIGNATURES:
        raise WebhookError(f"webhook-signature holds more than {MAX_SIGNATURES} signatures", 400)
    found = [
        value.encode("utf-8", "replace")
        for version, _, value in (part.partition(",") for part in parts)
        if version == SIGNATURE_VERSION and value
    ]
    if not found:
        raise WebhookError("webhook-signature holds no v1 signature (v1,<base64>)", 400)
    return found


def _payload(webhook_id: str, body: bytes) -> Mapping[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeError, ValueError, RecursionError):
        payload = None
    if not isinstance(payload, dict):
        raise WebhookError(f"delivery {webhook_id}: the body is not a JSON object", 400)
    return payload


def is_export_job_created(event_type: str | None) -> bool:
    """Whether ``event_type`` names ``export-job.created``, in any spelling Pleo uses."""
    if event_type is None:
        return False
    return _VERSION_PREFIX.sub("", event_type, count=1) in EVENT_TYPES


def job_id_of(delivery: WebhookDelivery) -> str | None:
    """The export job id of an ``export-job.created`` delivery; None for other events."""
    if not is_export_job_created(delivery.event_type):
        return None
    data = delivery.payload.get("data")
    job_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise WebhookError(
            f"delivery {delivery.webhook_id}: an export-job.created event without data.id, "
            "the export job's id (letters, digits, '.', '_' and '-', such as a UUID)",
            400,
        )
    return job_id
