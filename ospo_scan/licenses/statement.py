"""License statements: a short license file that names its licenses instead of quoting them.

Some packages ship, as LICENSE, a few lines that *choose* licenses rather than a license text:

    Licensed under a dual-license model, this software is available under:
    * the [GNU General Public License Version 2 or later](https://www.gnu.org/licenses/...),
    * or commercial license terms from Acme Ltd.

or "FullCalendar Premium is tri-licensed, meaning you must choose one of three licenses: -
Commercial License ... - Creative Commons Non-Commercial No-Derivatives (<URL>) - GPLv3
License". No SPDX template matches such a file, yet it says exactly which licenses are on
offer. ``read_statement`` reads the one shape that is unambiguous: a statement of choice
("dual-licensed", "tri-licensed", "choose one of", "available under") followed by a bulleted
list whose every item names a license (by a name or alias normalize knows, or a license URL),
or a commercial/paid option. The licenses are alternatives (OR). A commercial option is a
separate contract with the vendor, not a license the package grants: it is left out of the
expression and mentioned in the note. Anything else (an item naming no license, a list of
third-party components, a long text) is not a statement: ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A statement is short: a license text is hundreds of words.
MAX_STATEMENT_WORDS = 300
MAX_ITEMS = 6
# Normalize's readings accepted for an item, and the confidence of a statement's answer: it
# is prose read by rules, below a license text matched word for word.
_ACCEPTED_METHODS = ("spdx", "deprecated", "alias", "url")
STATEMENT_CONFIDENCE = 0.7

_CHOICE = re.compile(
    r"\b(?:dual|tri|triple|multi)[- ]?licen[cs]ed?\b|\b(?:dual|tri|multi)[- ]licen[cs]e\b"
    r"|\bchoose\s+(?:one|either|between|any|the\s+one)\b|\beither\s+of\s+(?:these|those|the)\b"
    r"|\bavailable\s+under\b|\bat\s+your\s+(?:option|choice)\b",
    re.IGNORECASE,
)
_THIRD_PARTY = re.compile(r"third[- ]party|bundled|includes?\s+(?:code|software)\s+from", re.I)
_BULLET = re.compile(r"^\s{0,4}(?:[*+\u2022-]|\d{1,2}[.)])\s+(?P<text>.*)$")
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]+)\)")
_URL = re.compile(r"https?://[^\s)>\]]+")
_COMMERCIAL = re.compile(r"\b(?:commercial|paid|purchase|proprietary|enterprise)\b", re.IGNORECASE)
_FILLER = re.compile(r"^(?:or|and|either|the|a|an|under)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Statement:
    """The licenses a statement offers (an SPDX expression, OR of the choices) and a note."""

    expression: str
    note: str


def read_statement(text: str) -> Statement | None:
    """The licenses a short license statement offers (see the module doc), or ``None``."""
    from ospo_scan.licenses.normalize import normalize

    if len(text.split()) > MAX_STATEMENT_WORDS or _THIRD_PARTY.search(text):
        return None
    choice = _CHOICE.search(text)
    if choice is None:
        return None
    offered = _offered(_items(text[choice.end() :])) or _offered(_sentence_items(text))
    if offered is None:
        return None
    licenses, commercial = offered
    unique = list(dict.fromkeys(licenses))
    if not unique:
        return None
    joined = normalize(" OR ".join(f"({e})" if " " in e else e for e in unique))
    if joined.expression is None or joined.method != "spdx":
        return None
    note = "a license statement offering " + (
        "a choice of " + ", ".join(unique) if len(unique) > 1 else unique[0]
    )
    if commercial:
        note += "; a commercial license is also offered (a separate contract, not included)"
    return Statement(joined.expression, note)


def _offered(items: list[str]) -> tuple[list[str], bool] | None:
    """The licenses ``items`` name, and whether one is a commercial option; ``None`` when an
    item names neither (not a plain statement of choice) or there are none or too many."""
    if not items or len(items) > MAX_ITEMS:
        return None
    licenses: list[str] = []
    commercial = False
    for item in items:
        reading = _item_license(item)
        if reading is not None:
            licenses.append(reading)
        elif _COMMERCIAL.search(item):
            commercial = True
        else:
            return None
    return licenses, commercial


def _items(text: str) -> list[str]:
    """The bulleted items after the statement, each with its indented continuation lines (a
    note in parentheses, the license's URL); the list ends at the first other paragraph."""
    items: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        bullet = _BULLET.match(line)
        if bullet is not None:
            items.append([bullet.group("text")])
            continue
        if not items or not stripped:
            continue
        if line[:1] in (" ", "\t") or _URL.match(stripped) or stripped.startswith("("):
            items[-1].append(stripped)
        else:
            break
    joined = (" ".join(parts).strip() for parts in items)
    return [item for item in joined if item]


# The prose form: "Subunit is licensed under two licenses, the Apache License, Version 2.0 or
# the 3-clause BSD License. You may use this project under either of these licenses": one
# sentence that puts the work "under" licenses joined by "or".
_UNDER = re.compile(
    r"\b(?:licen[cs]ed|available|released|distributed|offered|provided)\s+under\s+"
    r"(?:the\s+terms\s+of\s+)?(?P<rest>[^.;]*(?:\.\d[^.;]*)*)",
    re.IGNORECASE,
)
_COUNTED = re.compile(
    r"^(?:either\s+|both\s+|one\s+of\s+)?(?:the\s+)?(?:two|three|four|following|these)\s+"
    r"licen[cs]es\s*[,:]?\s*(?:either\s+)?",
    re.IGNORECASE,
)
_OR = re.compile(r"\s*,?\s+or\s+", re.IGNORECASE)


def _sentence_items(text: str) -> list[str]:
    """The licenses one sentence of ``text`` puts the work under, joined by "or" (see
    above): two or more, or none when no sentence has that shape."""
    for found in _UNDER.finditer(" ".join(text.split())):
        rest = _COUNTED.sub("", found.group("rest").strip())
        rest = re.sub(r"^either\s+", "", rest, flags=re.IGNORECASE)
        parts = [part.strip() for part in _OR.split(rest) if part.strip()]
        if len(parts) >= 2:
            return parts
    return []


def _item_license(item: str) -> str | None:
    """The license one item names: its link text or its words, else a license URL in it."""
    from ospo_scan.licenses.normalize import normalize as read

    candidates = [match.group("text") for match in _LINK.finditer(item)]
    plain = _LINK.sub(lambda match: match.group("text"), item)
    plain = _URL.sub(" ", plain)
    plain = re.sub(r"\([^)]*\)", " ", plain)
    candidates.append(plain)
    for candidate in candidates:
        words = candidate.strip().strip(",.;:*_ ")
        while _FILLER.match(words):
            words = _FILLER.sub("", words).strip(",.;:*_ ")
        if not words:
            continue
        reading = read(words)
        if reading.expression is not None and reading.method in _ACCEPTED_METHODS:
            if reading.confidence >= 0.8:
                return reading.expression
    for url in [m.group("url") for m in _LINK.finditer(item)] + _URL.findall(item):
        reading = read(url.rstrip(".,"))
        if reading.expression is not None and reading.method in _ACCEPTED_METHODS:
            if reading.confidence >= 0.8:
                return reading.expression
    return None
