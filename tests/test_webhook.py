"""Verifying Pleo's webhook deliveries (Standard Webhooks signing) and reading the job id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failreason._webhook import (
    DuplicateDeliveryError,
    SeenDeliveries,
    WebhookDelivery,
    WebhookError,
    WebhookSecretError,
    job_id_of,
    sign_delivery,
    verify_delivery,
    webhook_key,
)

# The Standard Webhooks reference test vector (libraries/python/tests/test_webhooks.py,
# test_sign_function); Pleo's webhook documentation shows the same signature in its example.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SECRET = "whsec_" + base64.b64encode(b"a signing key of thirty-two byte").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"the key before the rotation, 32b").decode()
NOW = 1_790_000_000
JOB_ID = "b4c4d068-ebbe-45b7-b562-2f16f0deb8b9"
# Shaped as Pleo's example (developers.pleo.io/reference/webhooks/webhook-events).
CREATED = {
    "data": {
        "companyId": "b5fdaec1-1b43-4b62-996a-b0471c3bb336",
        "createdAt": "2025-05-23T15:21:32Z",
        "expiresIn": 3600,
        "id": JOB_ID,
        "numberOfItems": 1,
        "status": "pending",
    },
    "eventId": "a257a31e-e8a6-4c36-a98d-451250e5b5c4",
    "eventType": "v1.export-job.created",
}


def signed(
    payload: object = CREATED,
    *,
    secret: str = SECRET,
    webhook_id: str = "msg_1",
    timestamp: int = NOW,
) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_delivery(secret, webhook_id, timestamp, body),
    }
    return headers, body


def refusal(
    headers: dict[str, str], body: bytes, secret: str = SECRET, **kw: float
) -> WebhookError:
    with pytest.raises(WebhookError) as refused:
        verify_delivery(headers, body, secret, now=kw.pop("now", NOW), **kw)  # type: ignore[arg-type]
    return refused.value


# -- the signature scheme --------------------------------------------------------------------


def test_signing_reproduces_the_published_standard_webhooks_vector() -> None:
    """HMAC-SHA256 over id.timestamp.body, keyed with the decoded whsec_ secret, base64."""
    assert sign_delivery(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == (
        VECTOR_SIGNATURE
    )


def test_the_published_vector_verifies() -> None:
    """The vector's headers and body pass, read at the moment it was signed."""
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    delivery = verify_delivery(headers, VECTOR_BODY, VECTOR_SECRET, now=VECTOR_TIMESTAMP)
    assert delivery == WebhookDelivery(VECTOR_ID, VECTOR_TIMESTAMP, {"test": 2432232314})


def test_the_signature_is_the_hmac_of_id_timestamp_and_body() -> None:
    """Computed here from the scheme's text, independently of the code under test."""
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, b"msg_1.1790000000.{}", hashlib.sha256).digest()
    assert sign_delivery(SECRET, "msg_1", NOW, b"{}") == "v1," + base64.b64encode(mac).decode()


def test_a_secret_without_its_prefix_is_the_same_key() -> None:
    assert webhook_key(VECTOR_SECRET) == webhook_key(VECTOR_SECRET.removeprefix("whsec_"))


def test_a_delivery_as_pleo_sends_it_gives_its_job_id() -> None:
    headers, body = signed()
    delivery = verify_delivery(headers, body, SECRET, now=NOW)
    assert (delivery.webhook_id, delivery.event_type) == ("msg_1", "v1.export-job.created")
    assert job_id_of(delivery) == JOB_ID


def test_header_names_are_case_insensitive() -> None:
    headers, body = signed()
    titled = {name.title(): value for name, value in headers.items()}
    assert verify_delivery(titled, body, SECRET, now=NOW).webhook_id == "msg_1"


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2**33))
def test_any_body_signed_verifies_and_any_changed_byte_does_not(body: bytes, at: int) -> None:
    """The signature covers every byte of the raw body."""
    headers = {
        "webhook-id": "msg_x",
        "webhook-timestamp": str(NOW),
        "webhook-signature": sign_delivery(SECRET, "msg_x", NOW, body),
    }
    with pytest.raises(WebhookError) as outcome:
        verify_delivery(headers, body + b"x", SECRET, now=NOW)
    assert outcome.value.status == 401
    if body:
        changed = bytearray(body)
        changed[at % len(body)] ^= 1
        with pytest.raises(WebhookError) as tampered:
            verify_delivery(headers, bytes(changed), SECRET, now=NOW)
        assert tampered.value.status == 401


# -- refusals --------------------------------------------------------------------------------


def test_a_tampered_body_is_refused() -> None:
    headers, body = signed()
    error = refusal(headers, body.replace(JOB_ID.encode(), b"another-job"))
    assert error.status == 401
    assert "no signature matches" in str(error)


def test_a_wrong_secret_is_refused() -> None:
    headers, body = signed(secret=OLD_SECRET)
    assert refusal(headers, body).status == 401


def test_a_signature_moved_to_another_id_is_refused() -> None:
    """The id is signed too: a valid signature cannot be reused under a fresh id."""
    headers, body = signed()
    assert refusal({**headers, "webhook-id": "msg_2"}, body).status == 401


@pytest.mark.parametrize(
    ("offset", "word"),
    [pytest.param(-301, "old", id="stale"), pytest.param(301, "in the future", id="future")],
)
def test_a_timestamp_beyond_the_tolerance_is_refused(offset: int, word: str) -> None:
    headers, body = signed(timestamp=NOW + offset)
    error = refusal(headers, body)
    assert error.status == 401
    assert f"301 s {word}" in str(error)


@pytest.mark.parametrize("offset", [-300, 300])
def test_a_timestamp_at_the_tolerance_is_accepted(offset: int) -> None:
    headers, body = signed(timestamp=NOW + offset)
    assert verify_delivery(headers, body, SECRET, now=NOW).timestamp == NOW + offset


def test_the_tolerance_can_be_narrowed() -> None:
    headers, body = signed(timestamp=NOW - 30)
    assert refusal(headers, body, tolerance=10).status == 401


@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_a_400_naming_it(name: str) -> None:
    headers, body = signed()
    del headers[name]
    error = refusal(headers, body)
    assert error.status == 400
    assert f"no {name} header" in str(error)


@pytest.mark.parametrize(
    ("header", "value", "says"),
    [
        pytest.param("webhook-timestamp", "1790000000.5", "whole seconds", id="fraction"),
        pytest.param("webhook-timestamp", "soon", "whole seconds", id="word"),
        pytest.param("webhook-signature", "v1a,AAAA", "no v1 signature", id="asymmetric-only"),
        pytest.param("webhook-signature", "g0hM9SsE", "no v1 signature", id="no-version"),
        pytest.param("webhook-signature", "v1,a " * 17, "more than 16", id="too-many"),
        pytest.param("webhook-id", "m" * 257, "longer than 256", id="long-id"),
    ],
)
def test_a_malformed_header_is_a_400(header: str, value: str, says: str) -> None:
    headers, body = signed()
    error = refusal({**headers, header: value}, body)
    assert (error.status, says in str(error)) == (400, True)


def test_a_signed_body_that_is_not_a_json_object_is_a_400() -> None:
    headers, body = signed([1, 2])
    error = refusal(headers, body)
    assert (error.status, "not a JSON object" in str(error)) == (400, True)


def test_no_refusal_shows_the_secret_or_a_signature() -> None:
    headers, body = signed(secret=OLD_SECRET)
    given_signature = headers["webhook-signature"].split(",")[1]
    right = sign_delivery(SECRET, "msg_1", NOW, body).split(",")[1]
    cases = [
        (headers, body, NOW),
        ({**headers, "webhook-id": "msg_9"}, body, NOW),
        (headers, body, NOW + 1000),
        ({**headers, "webhook-signature": "x"}, body, NOW),
    ]
    for case_headers, case_body, now in cases:
        text = str(refusal(case_headers, case_body, now=now))
        for secret_text in (SECRET, OLD_SECRET, given_signature, right):
            assert secret_text not in text
            assert secret_text.removeprefix("whsec_") not in text


@pytest.mark.parametrize("secret", ["", "whsec_", "whsec_not base64!", "plain words"])
def test_an_unusable_secret_is_an_operator_error_that_hides_it(secret: str) -> None:
    with pytest.raises(WebhookSecretError) as refused:
        webhook_key(secret)
    assert "GET /v1/subscriptions/{id}/secret" in str(refused.value)
    if secret.removeprefix("whsec_").strip():
        assert secret.removeprefix("whsec_") not in str(refused.value)


# -- rotation and replays --------------------------------------------------------------------


def test_a_header_with_the_old_and_new_signature_passes_with_either_secret() -> None:
    """During a rotation Pleo sends both signatures, space-separated; one match is enough."""
    headers, body = signed()
    old = sign_delivery(OLD_SECRET, "msg_1", NOW, body)
    both = {**headers, "webhook-signature": f"{old} {headers['webhook-signature']}"}
    assert verify_delivery(both, body, SECRET, now=NOW).webhook_id == "msg_1"
    assert verify_delivery(both, body, OLD_SECRET, now=NOW).webhook_id == "msg_1"


def test_other_signature_versions_in_the_header_are_skipped() -> None:
    headers, body = signed()
    mixed = {**headers, "webhook-signature": f"v1a,AAAA v2,BBBB {headers['webhook-signature']}"}
    assert verify_delivery(mixed, body, SECRET, now=NOW).webhook_id == "msg_1"


def test_a_receiver_may_hold_the_old_and_the_new_secret() -> None:
    headers, body = signed(secret=OLD_SECRET)
    delivery = verify_delivery(headers, body, [SECRET, OLD_SECRET], now=NOW)
    assert delivery.webhook_id == "msg_1"


def test_a_repeated_delivery_id_is_refused_as_a_duplicate() -> None:
    seen = SeenDeliveries()
    headers, body = signed()
    verify_delivery(headers, body, SECRET, now=NOW, seen=seen)
    with pytest.raises(DuplicateDeliveryError) as again:
        verify_delivery(headers, body, SECRET, now=NOW + 10, seen=seen)
    assert (again.value.status, again.value.webhook_id) == (200, "msg_1")


def test_a_retry_with_a_fresh_timestamp_is_a_duplicate_too() -> None:
    """Standard Webhooks keeps the id when a failed delivery is retried."""
    seen = SeenDeliveries()
    verify_delivery(*signed(), SECRET, now=NOW, seen=seen)
    with pytest.raises(DuplicateDeliveryError):
        verify_delivery(*signed(timestamp=NOW + 60), SECRET, now=NOW + 60, seen=seen)


def test_a_forged_delivery_does_not_use_up_its_id() -> None:
    """Only verified ids are remembered, so a forgery cannot block the real delivery."""
    seen = SeenDeliveries()
    headers, body = signed(secret=OLD_SECRET)
    with pytest.raises(WebhookError):
        verify_delivery(headers, body, SECRET, now=NOW, seen=seen)
    assert verify_delivery(*signed(), SECRET, now=NOW, seen=seen).webhook_id == "msg_1"


def test_ids_are_forgotten_once_their_timestamp_is_out_of_the_tolerance() -> None:
    seen = SeenDeliveries()
    verify_delivery(*signed(), SECRET, now=NOW, seen=seen)
    verify_delivery(
        *signed(webhook_id="msg_2", timestamp=NOW + 400), SECRET, now=NOW + 400, seen=seen
    )
    assert len(seen) == 1  # msg_1 expired at NOW + 300


def test_the_memory_of_ids_is_bounded() -> None:
    seen = SeenDeliveries(capacity=3)
    for number in range(10):
        assert seen.add(f"msg_{number}", NOW + number, NOW)
    assert len(seen) == 3
    assert not seen.add("msg_9", NOW + 9, NOW)  # the latest are kept


# -- the job id ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event_type",
    [
        "v1.export-job.created",
        "v1.export.job-created",
        "v2.export-job.created",
        "export-job.created",
    ],
)
def test_every_spelling_pleo_uses_gives_the_job_id(event_type: str) -> None:
    delivery = WebhookDelivery("msg_1", NOW, {**CREATED, "eventType": event_type})
    assert job_id_of(delivery) == JOB_ID


@pytest.mark.parametrize(
    "event_type",
    ["v1.vendor.created", "v1.export-job.completed", "xv1.export-job.created", None, 7],
)
def test_other_events_have_no_job_id(event_type: object) -> None:
    delivery = WebhookDelivery("msg_1", NOW, {**CREATED, "eventType": event_type})
    assert job_id_of(delivery) is None


@pytest.mark.parametrize(
    "data",
    [{}, {"id": ""}, {"id": 12}, None, "b4c4d068", {"id": "a/../b"}, {"id": "$(reboot)"}],
    ids=["no-id", "empty", "number", "null", "text", "path", "shell"],
)
def test_an_export_job_created_without_a_job_id_is_a_400(data: object) -> None:
    delivery = WebhookDelivery("msg_1", NOW, {**CREATED, "data": data})
    with pytest.raises(WebhookError) as refused:
        job_id_of(delivery)
    assert (refused.value.status, "data.id" in str(refused.value)) == (400, True)
