"""Cleaning, joining and truncating message text; reading HTML pages."""

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
