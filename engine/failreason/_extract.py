"""Pull the accounting system's readable message(s) and error code(s) out of a body.

A `Profile` lists, per accounting system, where its errors sit (`ErrorSource`)
and which of their fields hold the message and the code. Sources are tried in
order: messages come from the first source that yields a specific one; codes
come from every source (or from the generic walk when no source has any). A
source whose path does not match at the root is tried from each nested object
in document order, so ``errormessage.error[]`` finds Sage Intacct errors
wherever the response nests them and ``Fault.Error[]`` finds QuickBooks errors
inside an XML ``IntuitResponse``.

When no source yields a message (or there is no profile) a generic walk collects
strings under message-like keys (message, detail, description, reason, ...) and
codes under code-like keys. Bare HTTP reason phrases ("Bad Request") and generic
wrappers ("A validation exception occurred") give way to anything more specific.
Without a tree, the body's readable text (for HTML, its summary) is the message.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from failreason._body import MAX_DEPTH, ParsedBody
from failreason._bounds import MAX_CODES, MAX_MESSAGES
from failreason._clean import clean_text, join_messages
from failreason._lazy_re import lazy_compile
from failreason._paths import JSON, Path, PathSyntaxError, compile_path

_MAX_ANCHORS = 10_000  # nested objects tried when relocating a source


@dataclass(frozen=True)
class ErrorSource:
    """Where error objects sit, and which sub-paths hold their message and codes."""

    path: Path
    message: tuple[Path, ...] = ()
    code: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Profile:
    """How one accounting system shapes its errors."""

    system: str
    errors: tuple[ErrorSource, ...]
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extracted:
    """Cleaned messages (untruncated) and error codes, deduplicated, in order; at most
    ``MAX_MESSAGES`` messages and ``MAX_CODES`` codes."""

    messages: tuple[str, ...]
    codes: tuple[str, ...]


GENERIC = Profile(system="generic", errors=())
"""A profile with no sources: only the generic walk runs, as for ``profile=None``."""


def extract(
    parsed: ParsedBody, profile: Profile | None, extra_messages: Sequence[str] = ()
) -> Extracted:
    """Messages and codes from ``parsed``; ``extra_messages`` come first.

    Every message is cleaned exactly once (so entities are decoded once), here or in the walk.
    """
    messages: list[str] = []
    codes: list[str] = []
    if parsed.tree is not None:
        messages, codes = _from_tree(parsed.tree, profile or GENERIC, escaped=parsed.escaped)
    if not messages:
        fallback = clean_text(parsed.summary or parsed.text, escaped=parsed.escaped)
        messages = [fallback] if fallback else []
    extra = [clean_text(message) for message in extra_messages]
    found = _unique((*extra, *messages), key=str.casefold)
    return Extracted(
        tuple(itertools.islice(found, MAX_MESSAGES)),
        tuple(itertools.islice(_unique(codes), MAX_CODES)),
    )


def _from_tree(tree: JSON, profile: Profile, *, escaped: bool) -> tuple[list[str], list[str]]:
    chosen: list[str] = []
    weak: list[str] = []
    codes: list[str] = []
    for source in profile.errors:
        objects = _locate(source, tree)
        codes.extend(code for obj in objects for code in _codes(obj, source.code))
        if chosen:
            continue
        messages = [
            m for obj in objects if (m := _object_message(obj, source.message, escaped=escaped))
        ]
        chosen = [m for m in messages if not _is_weak(m)]
        weak = weak or messages
    if not chosen or not codes:  # with messages chosen, the walk only looks for codes
        walk = _Walk(tree, escaped=escaped, codes_only=bool(chosen))
        chosen = chosen or walk.messages() or weak or walk.weak_messages()
        codes = codes or walk.codes
    return chosen, codes


# --- profile sources ---------------------------------------------------------------


def _locate(source: ErrorSource, tree: JSON) -> list[JSON]:
    """The error objects at the source's path: at the root, else the first nested match."""
    objects = source.path.find(tree)
    if source.path.is_root or _yields(objects, source):
        return objects
    for anchor in _containers(tree):
        objects = source.path.find(anchor)
        if _yields(objects, source):
            return objects
    return []


def _yields(objects: list[JSON], source: ErrorSource) -> bool:
    return any(
        any(True for _ in _texts(obj, source.message)) or any(_codes(obj, source.code))
        for obj in objects
    )


def _containers(tree: JSON) -> Iterator[JSON]:
    """Every dict and list below the root, in document order."""
    stack: list[tuple[JSON, int]] = [(tree, 0)]
    seen = 0
    while stack and seen < _MAX_ANCHORS:
        value, depth = stack.pop()
        if depth > 0:
            seen += 1
            yield value
        if depth < MAX_DEPTH and isinstance(value, dict | list):
            children = value.values() if isinstance(value, dict) else value
            stack.extend(
                (child, depth + 1)
                for child in reversed(list(children))
                if isinstance(child, dict | list)
            )


def _texts(obj: JSON, paths: Sequence[Path]) -> Iterator[str]:
    for path in paths:
        for value in path.find(obj):
            text = _text_of(value)
            if text:
                yield text


def _text_of(value: JSON) -> str:
    if isinstance(value, dict):  # an XML element with attributes keeps its text here
        value = value.get("#text")
    return value.strip() if isinstance(value, str) else ""


def _codes(obj: JSON, paths: Sequence[Path]) -> list[str]:
    found = []
    for path in paths:
        for value in path.find(obj):
            code = _code_of(value)
            if code:
                found.append(code)
    return found


def _code_of(value: JSON) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text_of(value)


def _object_message(obj: JSON, paths: Sequence[Path], *, escaped: bool) -> str:
    """One error's message: its parts, minus weak ones and ones repeated in another."""
    parts = [text for part in _texts(obj, paths) if (text := clean_text(part, escaped=escaped))]
    specific = [part for part in parts if not _is_weak(part)]
    return join_messages(_drop_contained(specific or parts))


# --- the generic walk ----------------------------------------------------------------

_MESSAGE_WORDS = (
    "message",
    "messages",
    "msg",
    "detail",
    "details",
    "description",
    "reason",
    "problem",
    "advice",
    "faultstring",
    "title",
)
_CODE_KEYS = frozenset(
    {"code", "errorcode", "errorno", "errornumber", "errorname", "faultcode", "datacode"}
)
_ERROR_KEYS = frozenset({"error", "errors"})
_TEXT_KEYS = frozenset({"text", "value"})
_IDENTIFIER = lazy_compile(r"[A-Za-z][\w.:-]{0,79}")


def _normalise_key(key: object) -> str:
    """``"o:errorCode"`` -> ``"errorcode"``, ``"description2"`` -> ``"description"``."""
    local = str(key).rpartition(":")[2]
    return "".join(char for char in local.lower() if char.isalnum()).rstrip("0123456789")


def _is_message_key(key: str) -> bool:
    return key.endswith(_MESSAGE_WORDS)


@dataclass
class _Walk:
    """Message-like strings and code-like values anywhere in a tree."""

    tree: JSON
    escaped: bool = True
    codes_only: bool = False
    specific: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    weak: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        stack: list[tuple[JSON, str, bool, int]] = [(self.tree, "", False, 0)]
        while stack:
            value, key, under_message, depth = stack.pop()
            if depth > MAX_DEPTH:
                continue
            if isinstance(value, dict) and key in _ERROR_KEYS and _is_field_keyed(value):
                if not self.codes_only:  # field-keyed errors give messages only
                    self._field_messages(value)
            elif isinstance(value, dict):
                inner = _is_message_key(key)
                items = [(v, _normalise_key(k), inner, depth + 1) for k, v in value.items()]
                stack.extend(reversed(items))
            elif isinstance(value, list):
                stack.extend((v, key, under_message, depth + 1) for v in reversed(value))
            else:
                self._leaf(value, key, under_message)

    def _leaf(self, value: JSON, key: str, under_message: bool) -> None:
        if not isinstance(value, str):
            if key in _CODE_KEYS and (code := _code_of(value)):
                self.codes.append(code)
            return
        if not self._reads(key, under_message):
            return  # cleaning costs more than finding the key: only text that is read
        text = clean_text(value, escaped=self.escaped)
        if not text:
            return
        if key in _ERROR_KEYS and _IDENTIFIER.fullmatch(text):
            self.codes.append(text)
        elif key.endswith("title"):
            self.titles.append(text)
        elif _is_message_key(key) or key in _ERROR_KEYS or (under_message and key in _TEXT_KEYS):
            (self.weak if _is_weak(text) else self.specific).append(text)
        elif key in _CODE_KEYS:
            self.codes.append(text)

    def _reads(self, key: str, under_message: bool) -> bool:
        """Whether ``_leaf`` does anything with a text under ``key``."""
        if key in _ERROR_KEYS or key in _CODE_KEYS:
            return True
        return not self.codes_only and (
            _is_message_key(key) or (under_message and key in _TEXT_KEYS)
        )

    def _field_messages(self, errors: dict[str, JSON]) -> None:
        """``{"AccountCode": ["Account 4010 does not exist."]}``: each message, with its field.

        The field is named in front unless the message names it already, since "must exist"
        alone does not say what must.
        """
        for name, texts in errors.items():
            label = clean_text(str(name)).strip("$. ")
            for value in cast(list[str], texts):  # _is_field_keyed: lists of strings only
                text = clean_text(value, escaped=self.escaped)
                if not text:
                    continue
                if label and label.casefold() not in text.casefold():
                    text = f"{label}: {text}"
                (self.weak if _is_weak(text) else self.specific).append(text)

    def messages(self) -> list[str]:
        """Specific messages, else specific titles."""
        titles = [title for title in self.titles if not _is_weak(title)]
        return _drop_contained(self.specific or titles)

    def weak_messages(self) -> list[str]:
        return _drop_contained(self.weak + [t for t in self.titles if _is_weak(t)])


# --- weak messages and deduplication ---------------------------------------------------

_WEAK = frozenset(
    {
        # HTTP reason phrases, as sent in titles and "message" fields
        *("badrequest", "unauthorized", "unauthorised", "paymentrequired", "forbidden"),
        *("notfound", "methodnotallowed", "notacceptable", "requesttimeout", "conflict"),
        *("gone", "preconditionfailed", "payloadtoolarge", "requestentitytoolarge"),
        *("unsupportedmediatype", "unprocessableentity", "unprocessablecontent"),
        *("toomanyrequests", "internalservererror", "notimplemented", "badgateway"),
        *("serviceunavailable", "gatewaytimeout", "http", "httperror", "clienterror"),
        # wrappers that only announce that details follow elsewhere
        *("error", "errors", "fault", "exception", "anerroroccurred", "anerrorhasoccurred"),
        *("unknownerror", "internalerror", "servererror", "requestfailed"),
        *("validationerror", "validationerrors", "validationfailed", "validationexception"),
        *("validationfailederrorsfound", "validationfailederrorfound"),
        *("avalidationexceptionoccurred",),
        *("validationexceptionwasthrown", "oneormorevalidationerrorsoccurred"),
        *("therequestisinvalid", "odooservererror", "valideringfeilet"),
    }
)


def _is_field_keyed(errors: dict[str, JSON]) -> bool:
    """The validation shape of ASP.NET, Rails and Laravel: each field to a list of messages."""
    return bool(errors) and all(
        isinstance(texts, list) and texts and all(isinstance(t, str) for t in texts)
        for texts in errors.values()
    )


def _is_weak(message: str) -> bool:
    """A bare HTTP reason phrase or a generic wrapper such as "Validation failed"."""
    return _loose(message, digits=False) in _WEAK


def _loose(text: str, *, digits: bool = True) -> str:
    folded = text.casefold()
    if folded.isascii():  # the letters and digits of ASCII text, without a loop in Python
        return (_NOT_LETTER_OR_DIGIT if digits else _NOT_LETTER).sub("", folded)
    return "".join(c for c in folded if c.isalpha() or (digits and c.isdigit()))


_NOT_LETTER_OR_DIGIT = lazy_compile("[^a-z0-9]")  # on casefolded ASCII: no capitals left
_NOT_LETTER = lazy_compile("[^a-z]")


def _drop_contained(messages: list[str]) -> list[str]:
    """Drop messages repeated inside another (QuickBooks' Message inside its Detail).

    Only the first ``MAX_MESSAGES`` distinct messages are kept, so comparing each with the
    others costs a constant, however many a body holds.
    """
    unique = list(itertools.islice(_unique(messages, key=_loose), MAX_MESSAGES))
    loose = [_loose(message) for message in unique]
    return [
        message
        for index, message in enumerate(unique)
        if not any(loose[index] in other for j, other in enumerate(loose) if j != index)
    ]


def _unique(items: Iterable[str], key: Callable[[str], str] | None = None) -> Iterator[str]:
    seen: set[str] = set()
    for item in items:
        marker = key(item) if key else item
        if item and marker not in seen:
            seen.add(marker)
            yield item


# --- loading profiles --------------------------------------------------------------------


def load_profile(data: Mapping[str, Any], *, system: str | None = None) -> Profile:
    """Build a `Profile` from a rule file's mapping.

    ``data`` is either the whole document (``system`` plus ``extract``) or the
    ``extract`` mapping itself, with the system name passed as ``system=``.
    Raises ValueError naming the offending path.
    """
    extract_data = data.get("extract", data) if system is None else data
    name = system if system is not None else data.get("system")
    if not isinstance(name, str) or not name:
        raise ValueError("profile needs a system name")
    errors = tuple(
        _load_source(item, f"extract.errors[{index}]")
        for index, item in enumerate(_list(extract_data.get("errors", ()), "extract.errors"))
    )
    hosts = tuple(str(host).lower() for host in _list(extract_data.get("hosts", ()), "hosts"))
    return Profile(system=name, errors=errors, hosts=hosts)


def _load_source(item: Any, where: str) -> ErrorSource:
    if not isinstance(item, Mapping) or "path" not in item:
        raise ValueError(f"{where}: an error source needs a 'path'")
    return ErrorSource(
        path=_compile(item["path"], f"{where}.path"),
        message=_compile_all(item.get("message", ()), f"{where}.message"),
        code=_compile_all(item.get("code", ()), f"{where}.code"),
    )


def _compile_all(texts: Any, where: str) -> tuple[Path, ...]:
    return tuple(_compile(text, f"{where}[{i}]") for i, text in enumerate(_list(texts, where)))


def _compile(text: Any, where: str) -> Path:
    if not isinstance(text, str):
        # ValueError, not TypeError: callers report every rule-file problem alike
        raise ValueError(f"{where}: a path must be a string, not {type(text).__name__}")  # noqa: TRY004
    try:
        return compile_path(text)
    except PathSyntaxError as exc:
        raise ValueError(f"{where}: bad path {text!r}: {exc}") from exc


def _list(value: Any, where: str) -> Sequence[Any]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{where}: expected a list")  # noqa: TRY004 -- as above
    return value
