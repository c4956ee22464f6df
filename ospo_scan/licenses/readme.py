"""A README's "License" section: where a package without a license file may state its license.

Shared by the npm resolver (the tarball's README), installed npm packages and the PyPI sdist
reading (an "or later" that only the README states). Markdown ATX and setext headings and
reStructuredText titles are read; headings inside fenced code blocks are not headings.
``readme_license`` reads the one license a clear, short section states.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ospo_scan.licenses.normalize import Normalized

__all__ = [
    "README_CONFIDENCE",
    "README_NAME",
    "license_section",
    "license_words",
    "readme_license",
]

README_NAME = re.compile(r"(?i)^readme(?:\.(?:md|markdown|mdown|mkd|txt|rst))?$")
# An ATX heading; older Markdown (and many READMEs written for it) also took "##License",
# without the space, for one.
_ATX_HEADING = re.compile(
    r"^ {0,3}(?P<level>#{1,6})(?:(?:[ \t]+|(?=[^\W\d_]))(?P<title>.*?))?[ \t#]*$"
)
_UNDERLINE = re.compile(r"^ {0,3}(?P<mark>[=\-~^*+#])(?P=mark){2,}[ \t]*$")
# A code fence opens with three or more backticks or tildes (and an info string: "```js");
# only the same character, as many times or more and nothing after it, closes it.
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# "License", "Licence", "Licensed", with the license's name after it ("LICENSE (MIT)") or
# before it ("MIT License", "Apache 2.0 License"), and "Copyright and License".
_LICENSE_TITLE = re.compile(
    r"(?i)^(?:copyright\s+(?:and|&)\s+)?"
    r"(?:(?:mit|isc|bsd|apache|mpl|gpl|lgpl|agpl|zlib|wtfpl)(?:[\s-]+v?\d[\w.]*)?\s+)?"
    r"licen[cs]e[sd]?(?:\s*\([^)]*\))?$"
)


def license_section(text: str) -> str | None:
    """The body of the README's one "License" section (Markdown ATX or setext heading, or
    an reStructuredText title), up to the next heading of the same or a higher level.

    Returns ``None`` when there is no such section, or more than one (which one would
    count?). Headings inside fenced code blocks are not headings.
    """
    lines = text.splitlines()
    headings: list[tuple[int, int, int, str]] = []  # (first line, body line, level, title)
    fence: str | None = None  # the open fence
    for number, line in enumerate(lines):
        found = _FENCE.match(line)
        if fence is not None:
            if found is not None and not found.group("info").strip():
                closes = found.group("fence")
                if closes[0] == fence[0] and len(closes) >= len(fence):
                    fence = None
            continue
        if found is not None and "`" not in found.group("info"):
            fence = found.group("fence")
            continue
        atx = _ATX_HEADING.match(line)
        if atx is not None:
            headings.append((number, number + 1, len(atx.group("level")), atx.group("title") or ""))
            continue
        following = lines[number + 1] if number + 1 < len(lines) else ""
        underline = _UNDERLINE.match(following)
        if line.strip() and underline is not None and not _UNDERLINE.match(line):
            level = 1 if underline.group("mark") in "=#" else 2
            headings.append((number, number + 2, level, line.strip()))
    sections = [h for h in headings if _LICENSE_TITLE.match(_heading_words(h[3]))]
    if len(sections) != 1:
        return None
    first, body, level, _ = sections[0]
    end = next((h[0] for h in headings if h[0] > first and h[2] <= level), len(lines))
    return "\n".join(lines[body:end]).strip()


def _heading_words(title: str) -> str:
    """A heading's title without Markdown emphasis, a trailing colon, an anchor or an
    emoji before or after it ("## 📜 License", "## License 📄")."""
    title = re.sub(r"\{#[^}]*\}\s*$", "", title)
    title = re.sub(r"^[^\w*_`]+", "", title.strip())
    title = re.sub(r"[^\w*_`:)]+$", "", title)
    return title.strip().strip("*_`:").strip()


# A README answer is below a license file's: the README is documentation, not the grant.
README_CONFIDENCE = 0.7
# A License section longer than this (in words) is more than a license name or one license
# text: not "clear and short".
MAX_README_SECTION_WORDS = 400
# A section this short (in words) is read as a license name ("MIT", "The MIT License").
MAXREADME_NAME_WORDS = 8
# How a license text in a README section must match (as for license files winning over
# vague metadata): nearly word for word, nothing left unexplained.
README_TEXT_SCORE = 0.9
# A copyright notice after the license name on the same line ("MIT © Ann Smith").
_COPYRIGHT_TAIL = re.compile(
    r"\s*(?:\u00a9|\(c\)|\bcopyright\s+(?:\u00a9|\(c\)|\d{4})).*$", re.IGNORECASE
)
# Markdown images (badges) and links ("[MIT](LICENSE)" names MIT).
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# A reStructuredText link: `2-Clause BSD <url>`_
_RST_LINK = re.compile(r"`([^`<]*?)\s*<[^`>]*>`__?")


# A Markdown link reference definition ("[badge-url]: https://..."): no words of the section.
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
# The words before a license name in a sentence that states the package's license: "This
# project is licensed under the terms of the", "It is free software, released under the",
# "Distributed under free software license".
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_EXPLAINS = re.compile(
    r"^(?:this\s+means\s+(?:that\s+)?you\s+are\s+free\s+to\s+use\b[^;]*"
    r"|(?:for\s+(?:more\s+)?(?:details|information),?\s+)?(?:please\s+)?(?:see|refer\s+to|read)"
    r"\s+the\s+licen[cs]e(?:\.\w+)?\s+file\b[^;]*)$",
    re.IGNORECASE,
)
# The subject of such a sentence: "This project is", "The MCP server is".
_SUBJECT = (
    r"(?:this|the)\s+(?:[\w-]+\s+)?"
    r"(?:project|package|software|library|module|code|server|tool|plugin|extension|sdk)\s+is\s+"
)
_LICENSED_UNDER = re.compile(
    rf"^(?:{_SUBJECT}"
    r"|it\s+is\s+(?:free\s+software,?\s+|open[- ]source\s+(?:software,?\s+)?)?)?"
    r"(?:licen[cs]ed|released|distributed|available|published)\s+under\s+"
    r"(?:the\s+terms\s+of\s+)?(?:the\s+|an?\s+)?"
    r"(?:(?:free|open[- ]source)\s+(?:software\s+)?licen[cs]e\s+(?=\S+\s*$))?",
    re.IGNORECASE,
)
# A line that states the package's license in a sentence, read when a README has no License
# section: at the start of a line (a bullet of features, a paragraph), so that a sentence
# about another project ("it uses libfoo, released under the LGPL") is not taken for one.
_STATEMENT_LINE = re.compile(
    rf"^(?:{_SUBJECT})?(?:licen[cs]ed|released|distributed|published)\s+under\s+\S",
    re.IGNORECASE,
)
_FILE_POINTER = re.compile(r"\s*\((?:\./)?[\w./-]*licen[cs]e[\w.-]*\)\s*$", re.IGNORECASE)


def readme_license(section: str) -> Normalized | None:
    """The one license a README License section states, or ``None`` when it is not clear.

    Clear means: a license name on its own ("MIT", "The MIT License", "MIT © Ann"), read by
    normalize as an SPDX id or a known alias (not a family guess such as "BSD"), or one whole
    license text that detect matches nearly word for word with nothing left over. Anything
    else (two licenses, a long section, extra words, an unknown text) is not clear. The
    confidence is at most ``README_CONFIDENCE``.
    """
    from ospo_scan.licenses.detect import (
        UNKNOWN_TEXT_REF,
        detect_license_text,
        is_copyright_line,
        normalize_words,
        restricting_words,
    )
    from ospo_scan.licenses.normalize import Normalized, normalize

    words = normalize_words(section)
    if not words or len(words) > MAX_README_SECTION_WORDS:
        return None
    kept: list[str] = []
    copyright_notices: list[str] = []
    for raw in section.splitlines():
        if _LINK_DEFINITION.match(raw):
            continue
        line = _plain(raw)
        if not line:
            continue
        if is_copyright_line(line):
            copyright_notices.append(line)
            continue
        tail = _COPYRIGHT_TAIL.search(line)
        if tail is not None:
            copyright_notices.append(tail.group(0))
            line = line[: tail.start()]
        kept.append(line)
    # Copyright lines are set aside as names and dates; one that also restricts ("not for
    # resale") makes the section unclear.
    if restricting_words("\n".join(copyright_notices)):
        return None
    name = " ".join(part for part in kept if part).strip()
    # Sentences that only explain or point at the license file add nothing ("This means you
    # are free to use, modify, and distribute the software ...", "For more details, please see
    # the LICENSE file"): the one left names the license.
    sentences = _SENTENCE_END.split(name)
    if len(sentences) > 1:
        name = " ".join(part for part in sentences if not _EXPLAINS.match(part))
    name = name.strip().rstrip(".")
    # "This project is licensed under BUSL 1.1 (./LICENSE.md)": the sentence names one license.
    name = _LICENSED_UNDER.sub("", name)
    name = _FILE_POINTER.sub("", name).strip()
    if name and len(normalize_words(name)) <= MAXREADME_NAME_WORDS:
        if name.startswith("(") and name.endswith(")"):
            name = name[1:-1]
        reading = normalize(name)
        clear = (
            reading.expression is not None
            and reading.method in ("spdx", "deprecated", "alias")
            and reading.confidence >= 0.8
            and _single_license(reading.expression)
        )
        if not clear:
            return None
        confidence = min(reading.confidence, README_CONFIDENCE)
        return Normalized(reading.expression, confidence, reading.method, section, reading.note)
    detection = detect_license_text(section, filename="README")
    expression = detection.expression
    if (
        expression is None
        or UNKNOWN_TEXT_REF in expression
        or detection.score < README_TEXT_SCORE
        or not _single_license(expression)
    ):
        return None
    confidence = min(detection.score, README_CONFIDENCE)
    return Normalized(expression, confidence, "text", section, detection.note)


def _single_license(expression: str) -> bool:
    """One SPDX license id, no operator, no exception, no LicenseRef."""
    from ospo_scan.licenses.normalize import canonical_id

    return canonical_id(expression) == expression


def _plain(line: str) -> str:
    """A README line without Markdown images, link targets (Markdown's and
    reStructuredText's), emphasis and quote marks."""
    line = _RST_LINK.sub(r"\1", line)
    line = _MARKDOWN_LINK.sub(r"\1", _MARKDOWN_IMAGE.sub("", line)).strip().strip("*_`>")
    return line.strip()


def license_words(readme: str) -> str | None:
    """What a README says of the package's license: its License section (``license_section``),
    else the first line that states the license in a sentence ("Distributed under free
    software license GPLv2", "This library is licensed under the MIT license"); ``None`` when
    it has neither. ``readme_license`` then says whether the words name one license clearly.
    """
    from ospo_scan.licenses.detect import strip_line_lead

    section = license_section(readme)
    if section:
        return section
    for raw in readme.splitlines():
        line = _plain(strip_line_lead(raw))
        if _STATEMENT_LINE.match(line):
            return line
    return None
