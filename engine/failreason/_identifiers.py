"""Whether a captured identifier looks like one, so no reason names "Account No. number".

A rule's regex captures what stands next to the object noun, and in "Account number is
invalid" or "Tax Code with does not exist" that is an ordinary word. A capture read from the
error's own text is kept only when it looks like an identifier: quoted or bracketed there,
with a digit or a code's punctuation (AB-CASH, 4010.20, Marketing:Events), or anything but
the words a sentence puts where an identifier would stand (GST, Acme, purchase). A value
that does not stand in the messages came from a structured field or the connector's params,
and is kept as it is.
Dropping a capture leaves the rule to its wording without one, which passes the message on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from failreason._lazy_re import lazy_compile


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The captures that name a configured object; other captures (a field path, a limit) are
# the rule's own business.
IDENTIFIER_CAPTURES = frozenset({"account", "tax_code", "tag", "vendor", "journal", "currency"})

# Words that stand where an identifier would in a sentence, in the languages of Pleo's
# markets: function words, and the nouns that describe an identifier instead of being one.
NOT_IDENTIFIERS = _words(
    """
    a an the this that these those with without for from of to in on at by as is are was were be
    been has have had not no nor and or but any all none some each every same such given
    specified provided selected used entered supplied requested following above below
    code codes number numbers nr no. id ids key name names status type types kind field fields
    value values reference description date amount line lines item items entry entries record
    category option group class setting settings mapping account accounts tax vat rate
    valid invalid required missing unknown found exist exists existing does did cannot can could
    must should may null none empty undefined true false yes
    och eller med för av till på i ej inte som det den kod koden nummer numret typ namn fält värde
    og eller med for af til på ikke som det den kode koden nummer nummeret type navn felt
    værdi verdi
    und oder mit für von zu im in der die das den dem des ein eine nicht kein keine ist
    schlüssel nummer typ name feld wert
    en of met voor van naar op in de het een niet geen is code nummer soort naam veld waarde
    et ou avec pour de du des le la les un une pas est numéro nom champ valeur
    y o con para de del el la los las un una no es código número tipo nombre campo valor
    ja tai kanssa ei on koodi numero tyyppi nimi kenttä arvo
    """
)
_PUNCTUATED = lazy_compile(r"\w[-_./:#]\w")  # AB-CASH, 4010.20, Marketing:Events
_QUOTES = {
    **{"'": "'", '"': '"', "\u2018": "\u2019", "\u201c": "\u201d", "\u00ab": "\u00bb"},
    **{"[": "]", "(": ")", "<": ">", "`": "`"},
}


def plausible(captures: Mapping[str, str], messages: Sequence[str]) -> dict[str, str]:
    """``captures`` without the identifiers that are ordinary words of the messages."""
    return {
        name: value
        for name, value in captures.items()
        if name not in IDENTIFIER_CAPTURES or looks_like_identifier(value, messages)
    }


def looks_like_identifier(value: str, messages: Sequence[str]) -> bool:
    """Quoted or set apart, with a digit or a code's punctuation, or not only sentence words."""
    text = value.strip()
    if not text:
        return False
    folded = text.casefold()
    said = [message.casefold() for message in messages]  # indices below are into these
    spots = [(m, i) for m in said for i in _occurrences(m, folded)]
    if not spots:
        return True  # from a structured field or params, not from a sentence
    if any(_set_apart(message, start, len(folded)) for message, start in spots):
        return True
    if any(char.isdigit() for char in text) or _PUNCTUATED.search(text):
        return True
    return not all(word in NOT_IDENTIFIERS for word in folded.split())


def _occurrences(haystack: str, needle: str) -> list[int]:
    found: list[int] = []
    start = haystack.find(needle)
    while start != -1 and len(found) < 20:
        found.append(start)
        start = haystack.find(needle, start + 1)
    return found


def _set_apart(message: str, start: int, length: int) -> bool:
    """Quoted or bracketed, or the value after a label's colon ("types: purchase")."""
    before = message[start - 1] if start > 0 else ""
    after = message[start + length] if start + length < len(message) else ""
    if before in _QUOTES and after == _QUOTES[before]:
        return True
    return message[max(0, start - 2) : start] == ": " and after in ("", ".", ",", ";", "\n")
