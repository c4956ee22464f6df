"""License statements in a package's own source files: the last place a license is looked for.

A package may declare no license, ship no license file and say nothing in its README, and
still state its license at the top of its modules: an ``SPDX-License-Identifier:`` tag, a
Python ``__license__ = "MIT"``, a JSDoc ``@license MIT`` tag, the Apache or GNU notice, a
whole license text in the opening comment (esprima's two BSD clauses, langid's), or a line
such as "Licensed under the MIT license" or "Public Domain." ``source_license`` reads what
the beginnings of a few of the package's top-level sources state; the registries call it
only when nothing else answered, or to settle a family name ("BSD") that no license file or
README settles. The machine-readable forms (an SPDX tag, ``__license__``) count anywhere in
a file's beginning; prose only in the comment (or docstring) that opens it: a license named
further down, in code or in a later comment, is as likely about something else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "SOURCE_CONFIDENCE",
    "SourceReading",
    "leading_comment",
    "source_license",
    "source_settles",
]

# A statement at the top of a module is the author's word for that file; for the package it
# stands in for a license file, read by rules: no more certain than a README statement.
SOURCE_CONFIDENCE = 0.7
# A license text in a comment must match its template nearly word for word, with nothing
# left over (an unknown part), to count.
MIN_TEXT_SCORE = 0.9
# A bare line naming a license ("Public Domain.", "MIT License") is at most this many words.
MAX_NAME_WORDS = 4
# Paths whose files are not the package's own code: their headers speak for other projects.
_NOT_OWN = re.compile(
    r"(?:^|/)(?:node_modules|vendor|vendored|_vendor|third[_-]?party|3rdparty|external|externals"
    r"|deps|bundled?)(?:/|$)",
    re.IGNORECASE,
)
_SPDX_TAG = re.compile(r"SPDX-License-Identifier:\s*(?P<expression>[^\n]*?)\s*$", re.IGNORECASE)
_DUNDER = re.compile(r"""^__license__\s*=\s*(?P<quote>['"])(?P<name>[^'"\n]{1,80})(?P=quote)""")
_JSDOC = re.compile(r"^@licen[cs]e\s+(?P<name>.{1,80}?)\s*$", re.IGNORECASE)
_FIELD = re.compile(r"^licen[cs]e\s*:\s*(?P<name>.{1,80}?)\s*$", re.IGNORECASE)
_STATEMENT = re.compile(
    r"^(?:(?:this|the)\s+(?:[\w-]+\s+)?(?:file|project|package|software|library|module|code)"
    r"\s+is\s+)?(?:licen[cs]ed|released|distributed|published|placed)\s+(?:under|into)\s+\S",
    re.IGNORECASE,
)
# "the MIT software license" (Bitcoin's wording, copied widely) names the MIT License.
_SOFTWARE_LICENSE = re.compile(r"\bsoftware\s+(?=licen[cs]e\b)", re.IGNORECASE)
_PUBLIC_DOMAIN = re.compile(r"\bpublic\s+domain\b", re.IGNORECASE)
# The lines a module may open with before its comment: a shebang, an encoding cookie, a
# "use strict" directive.
_PREAMBLE = re.compile(r"""^(?:#!.*|#.*coding[:=].*|['"]use strict['"];?)$""")
_DOCSTRING = re.compile(r"""^[rRuU]?(?P<quote>\"\"\"|''')""")


@dataclass(frozen=True, slots=True)
class SourceReading:
    """What the sources state: one SPDX expression (the AND of what different files state),
    its confidence, and for each file that stated something, (member, what it said)."""

    expression: str
    confidence: float
    statements: tuple[tuple[str, str], ...]


def leading_comment(text: str) -> str:
    """The comment (``#``, ``//``, ``/* */``) or docstring that opens a source file, without
    its comment markers; ``""`` when the file opens with code."""
    lines: list[str] = []
    closing: str | None = None  # the end marker of an open block comment or docstring
    for raw in text.splitlines():
        line = raw.strip()
        if closing is not None:
            if closing in line:
                lines.append(line.split(closing, 1)[0].lstrip("*").strip())
                closing = None
                continue
            lines.append(line.lstrip("*").strip())
            continue
        if not line or (not lines and _PREAMBLE.match(line)):
            continue
        if line.startswith(("#", "//")):
            lines.append(line.lstrip("#/!").strip())
            continue
        if line.startswith("/*"):
            body = line[2:].lstrip("*!").strip()
            if "*/" in body:
                lines.append(body.split("*/", 1)[0].strip())
            else:
                lines.append(body)
                closing = "*/"
            continue
        docstring = _DOCSTRING.match(line)
        if docstring is not None and not lines:
            quote = docstring.group("quote")
            body = line[docstring.end() :]
            if quote in body:
                lines.append(body.split(quote, 1)[0].strip())
                break
            lines.append(body.strip())
            closing = quote
            continue
        break
    return "\n".join(lines).strip()


def source_license(sources: Sequence[tuple[str, str]]) -> SourceReading | None:
    """What the opening comments of ``sources`` ((member, beginning of the file), the
    package's own top-level modules) state of their license, or ``None`` when none states
    one. Files in vendored or third-party folders are skipped. Different statements in
    different files all apply (AND), each file's license being its own."""
    from ospo_scan.licenses.normalize import parse_expression, render

    statements: list[tuple[str, str, str, float]] = []
    for member, text in sources:
        if _NOT_OWN.search(member):
            continue
        found = _file_statement(member, text)
        if found is not None:
            statements.append((member, *found))
    if not statements:
        return None
    expressions = list(dict.fromkeys(expression for _, expression, _, _ in statements))
    if len(expressions) == 1:
        expression = expressions[0]
    else:
        joined = " AND ".join(f"({e})" if " " in e else e for e in expressions)
        expression = render(parse_expression(joined))
    confidence = min(SOURCE_CONFIDENCE, *(score for *_, score in statements))
    said = tuple((member, words) for member, _, words, _ in statements)
    return SourceReading(expression, confidence, said)


def source_settles(sources: Sequence[tuple[str, str]], guessed: str) -> SourceReading | None:
    """What ``sources`` state (``source_license``) when it is one license that settles a
    family name's ``guessed`` license (``settle.settles_guess``: another license of the
    family, or a stricter one); ``None`` otherwise."""
    from ospo_scan.licenses.settle import settles_guess

    reading = source_license(sources)
    if reading is None or " " in reading.expression:
        return None
    return reading if settles_guess(reading.expression, guessed) else None


def _file_statement(member: str, text: str) -> tuple[str, str, float] | None:
    """(expression, the words that state it, confidence) of one file's opening comment:
    an SPDX tag, ``__license__``, ``@license``, a license text, then a statement line."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF, detect_license_text
    from ospo_scan.licenses.metadata import clip_evidence

    for line in text.splitlines()[:200]:
        tag = _SPDX_TAG.search(line)
        if tag is not None:
            expression = _spdx(tag.group("expression").rstrip("*/-> \t#}"))
            if expression is not None:
                return expression, line.strip(), 1.0
        dunder = _DUNDER.match(line.strip())
        if dunder is not None:
            expression = _clear_name(dunder.group("name"))
            if expression is not None:
                return expression, line.strip(), SOURCE_CONFIDENCE
    comment = leading_comment(text)
    if not comment:
        return None
    for line in comment.splitlines():
        tagged = _JSDOC.match(line) or _FIELD.match(line)
        if tagged is not None:
            expression = _clear_name(tagged.group("name"))
            if expression is not None:
                return expression, line, SOURCE_CONFIDENCE
    name = member.rsplit("/", 1)[-1]
    detection = detect_license_text(comment, filename=name)
    if (
        detection.expression is not None
        and UNKNOWN_TEXT_REF not in detection.expression
        and detection.score >= MIN_TEXT_SCORE
    ):
        return detection.expression, clip_evidence(" ".join(comment.split())), detection.score
    for line in comment.splitlines():
        expression = _stated(line)
        if expression is not None:
            return expression, line, SOURCE_CONFIDENCE
    return None


def _spdx(value: str) -> str | None:
    """An SPDX tag's value as a canonical expression, if it is a valid one."""
    from ospo_scan.licenses.normalize import normalize

    reading = normalize(value)
    if reading.expression is None or reading.method not in ("spdx", "deprecated"):
        return None
    return reading.expression


def _clear_name(name: str) -> str | None:
    """A license name normalize reads as one license (or expression) with confidence: an
    SPDX id, a known alias or URL, not a family guess ("BSD")."""
    from ospo_scan.licenses.normalize import PUBLIC_DOMAIN_REF, normalize

    reading = normalize(name.strip().rstrip("."))
    if reading.expression == PUBLIC_DOMAIN_REF:
        return reading.expression  # "Public Domain": normalize's confidence is for a field
    if reading.expression is None or reading.confidence < 0.8:
        return None
    if reading.method not in ("spdx", "deprecated", "alias", "url"):
        return None
    return reading.expression


def _stated(line: str) -> str | None:
    """The license a comment line states: "Licensed under the MIT license", "Released into
    the public domain", or a line that is a license's name alone ("Public Domain.")."""
    from ospo_scan.licenses.detect import normalize_words
    from ospo_scan.licenses.normalize import PUBLIC_DOMAIN_REF

    line = _SOFTWARE_LICENSE.sub("", line.strip().strip("*_`").strip())
    if not line:
        return None
    if _STATEMENT.match(line) is not None:
        if _PUBLIC_DOMAIN.search(line) is not None:
            return PUBLIC_DOMAIN_REF
        return _clear_name(line.split(".", 1)[0] if ". " in line else line)
    if len(normalize_words(line)) <= MAX_NAME_WORDS:
        return _clear_name(line)
    return None
