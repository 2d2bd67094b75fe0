"""Cleaning, joining, truncating and redacting message text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failreason._clean import clean_text, final_reason, html_text, join_messages, truncate
from failreason._redact import redact
from failreason._sanitize import INERT_CLOSE, INERT_OPEN, collapse

# --- clean_text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("  Account \n\t must   be valid. ", "Account must be valid.", id="whitespace"),
        pytest.param("<b>Tax</b> rate &amp; code", "Tax rate & code", id="tags-and-entities"),
        # markup that only appears by decoding entities stays readable but inert
        pytest.param(
            "Value must be &lt;b&gt;",
            f"Value must be {INERT_OPEN}b{INERT_CLOSE}",
            id="escaped-markup-inert",
        ),
        pytest.param('"Account must be valid."', "Account must be valid.", id="wrapping-quotes"),
        pytest.param("'a' or 'b'", "'a' or 'b'", id="inner-quotes-kept"),
        pytest.param('{"Message": "x"}', '"Message": "x"', id="json-braces"),
        pytest.param("Line one\\nLine two", "Line one Line two", id="literal-newline"),
        pytest.param('say \\"hi\\"', 'say "hi"', id="escaped-quotes"),
        pytest.param(", Error 429: ", "Error 429", id="dangling-punctuation"),
        pytest.param("Kontot (PurchaseAccount)", "Kontot (PurchaseAccount)", id="parentheses-kept"),
        pytest.param(
            "xmlrpclib.Fault: <Fault AccessDenied: 'Access denied.'>",
            "xmlrpclib.Fault: <Fault AccessDenied: 'Access denied.'>",
            id="not-a-tag-kept",
        ),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    """Markup and JSON punctuation go, the words stay."""
    assert clean_text(raw) == expected


@given(st.text())
def test_clean_text_collapses_whitespace(text: str) -> None:
    """Cleaned text has no leading, trailing or repeated whitespace."""
    cleaned = clean_text(text)
    assert cleaned == " ".join(cleaned.split())


# --- join_messages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        pytest.param(
            ["Account must be valid.", "Tax rate must be valid."],
            "Account must be valid. Tax rate must be valid.",
            id="sentences",
        ),
        pytest.param(
            ["Object not found", "Check the vendor"],
            "Object not found; Check the vendor",
            id="fragments",
        ),
        pytest.param(["Details:", "x"], "Details: x", id="colon"),
        pytest.param(["", "  ", "only"], "only", id="blanks-skipped"),
        pytest.param([], "", id="nothing"),
    ],
)
def test_join_messages(messages: list[str], expected: str) -> None:
    """Terminated messages are followed by a space, the others by "; "."""
    assert join_messages(messages) == expected


# --- truncate -------------------------------------------------------------------------


def test_short_text_is_untouched() -> None:
    """Text within the limit comes back as it is."""
    assert truncate("Account must be valid.", 22) == "Account must be valid."


def test_truncate_cuts_at_a_word_boundary() -> None:
    """The cut falls between words and ends with an ellipsis."""
    assert truncate("Account code 4000 does not exist", 20) == "Account code 4000…"


def test_truncate_hard_cuts_one_long_word() -> None:
    """A single long token is cut mid-word rather than lost."""
    assert truncate("x" * 30, 10) == "x" * 9 + "…"


def test_truncate_drops_dangling_punctuation() -> None:
    """No "word,…" or "word:…" at the cut."""
    assert truncate("Invalid reference: Cost unit, Diary", 21) == "Invalid reference…"


@given(st.text(), st.integers(min_value=0, max_value=600))
def test_truncate_respects_the_limit(text: str, limit: int) -> None:
    """The result never exceeds the limit, ellipsis included."""
    assert len(truncate(text, limit)) <= limit


@given(st.text(min_size=1), st.integers(min_value=2, max_value=600))
def test_truncate_keeps_a_prefix(text: str, limit: int) -> None:
    """What is kept is the start of the text."""
    result = truncate(text, limit)
    assert text.startswith(result.removesuffix("…").rstrip())


# --- redact -----------------------------------------------------------------------------

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "Authorization: Bearer abc123DEF456ghi",
            "Authorization: Bearer [redacted]",
            id="bearer-header",
        ),
        pytest.param("authorization=abc123DEF456ghi", "authorization=[redacted]", id="bare-header"),
        pytest.param("sent Bearer abc123DEF456ghi.", "sent Bearer [redacted].", id="bearer-inline"),
        pytest.param("Basic dXNlcjpwYXNzd29yZA==", "Basic [redacted]", id="basic"),
        pytest.param(f"token {JWT} expired", "token [redacted] expired", id="jwt"),
        pytest.param("api_key=sk_live_1234&x=1", "api_key=[redacted]&x=1", id="form-value"),
        pytest.param('{"password": "hunter2"}', '{"password": "[redacted]"}', id="json-value"),
        pytest.param("client_secret: 'abc'", "client_secret: '[redacted]'", id="single-quoted"),
        pytest.param(
            '"access_token":"x","refresh_token":"y"',
            '"access_token":"[redacted]","refresh_token":"[redacted]"',
            id="several",
        ),
        pytest.param(
            "HostId: NeotMePfdnUN5teVounG21CxQ8V5e2dfFP/GTolPv4I+TZFeQo2Ab+utM3cah93/wkDS1ZnWlD4=",
            "HostId: [redacted]",
            id="long-random-token",
        ),
    ],
)
def test_redact_hides_secrets(raw: str, expected: str) -> None:
    """Credentials and random-looking tokens become "[redacted]"."""
    assert redact(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Instance f4a9c0c2-ab46-462c-b70b-9999612e6aa9", id="guid"),
        pytest.param("Document Id='{DAC3AB2F-5FEA-4AD2-A663-EF832F270A7B}'", id="upper-guid"),
        pytest.param("requestId 5858a8e4e4b020f1b07a27d9ae04144172874bf4", id="hex-request-id"),
        pytest.param("account 12345678901234567890123456789012345", id="account-number"),
        pytest.param("Application_FieldValidationException_InTheLedgerTable", id="code"),
        pytest.param("/api/v1/1821313/salesentry/SalesEntries/Journal2024", id="url-path"),
        pytest.param("Basic authentication failed.", id="basic-word"),
        pytest.param("Bearer token expired at 02/20/2025", id="bearer-word"),
        pytest.param("TokenExpired: token expired at 02/20/2025 08:32:50", id="token-word"),
        pytest.param('The field "password" is required', id="password-word"),
    ],
)
def test_redact_keeps_identifiers_and_words(text: str) -> None:
    """GUIDs, request ids, account numbers, codes and plain words survive."""
    assert redact(text) == text


@given(st.text())
def test_redact_is_stable(text: str) -> None:
    """Redacting twice changes nothing more."""
    once = redact(text)
    assert redact(once) == once


# --- HTML pages ---------------------------------------------------------------------------


def test_html_text_drops_scripts_styles_and_comments() -> None:
    """Only visible text is kept."""
    page = "<html><head><style>p{}</style><script>x<y</script></head><!-- c --><p>Hi</p></html>"
    assert html_text(page) == ("Hi", "Hi")


def test_html_summary_is_title_headings_and_paragraphs() -> None:
    """The summary skips navigation and repeats, and joins the rest."""
    page = (
        "<title>503 Service Unavailable</title><nav>Home</nav>"
        "<h1>503 Service Unavailable</h1><p>Try again later.</p>"
    )
    assert html_text(page)[1] == "503 Service Unavailable; Try again later."


def test_html_unclosed_style_drops_the_rest() -> None:
    """A page cut off inside <style> keeps what came before."""
    assert (
        html_text("<title>Xero | Error 500</title><style>body { color: red")[0]
        == "Xero | Error 500"
    )


# --- linear time on hostile input -----------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param("[" * 200_000, id="brackets"),
        pytest.param('{"' * 100_000, id="json-openers"),
        pytest.param("<a b " * 40_000, id="unclosed-tags"),
        pytest.param("eyJ" * 70_000, id="jwt-prefixes"),
        pytest.param('password:"' * 20_000, id="unclosed-values"),
        pytest.param("Bearer " * 30_000, id="schemes"),
        pytest.param("aB3" * 70_000, id="one-long-token"),
        pytest.param("<script" * 30_000, id="scripts"),
    ],
)
def test_hostile_text_is_handled(hostile: str) -> None:
    """Every function finishes on pathological input (benchmarks/ measures how fast)."""
    assert isinstance(clean_text(hostile), str)
    assert isinstance(redact(hostile), str)
    assert len(truncate(hostile)) <= 500
    assert isinstance(html_text(hostile)[0], str)


# --- the final sanitiser and its helpers --------------------------------------------------

hostile_text = st.text(
    st.one_of(
        st.characters(),
        st.characters(categories=["Cs", "Cc", "Cf", "Co", "Zs", "Zl", "Zp", "Cn"]),
        st.sampled_from("<>&;#/!?= \t\n\u200b\u202e\x1b\x85"),
    ),
    max_size=80,
)


@given(hostile_text)
def test_final_reason_is_idempotent_and_printable(text: str) -> None:
    """Sanitising a sanitised reason changes nothing; the result is printable and short."""
    once = final_reason(text)
    assert final_reason(once) == once
    assert once.replace(" ", "").isprintable()
    assert len(once) <= 500


@given(hostile_text)
def test_collapse_equals_splitting_on_whitespace(text: str) -> None:
    """collapse() is " ".join(text.split()) without the list of words."""
    assert collapse(text) == " ".join(text.split())


def test_collapse_joins_whitespace_across_its_slices() -> None:
    """A whitespace run that straddles two 64 KiB slices is still one space."""
    text = "a" * ((1 << 16) - 2) + " \n\t " + "b"
    assert collapse(text) == "a" * ((1 << 16) - 2) + " b"
