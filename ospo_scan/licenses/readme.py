"""A README's "License" section: where a package without a license file may state its license.

Shared by the npm resolver (the tarball's README), installed npm packages and the PyPI sdist
reading (an "or later" that only the README states). Markdown ATX and setext headings and
reStructuredText titles are read; headings inside fenced code blocks are not headings.
"""

from __future__ import annotations

import re

__all__ = ["README_NAME", "license_section"]

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
# "License", "Licence", "Licensed", and with the license's name after it ("LICENSE (MIT)").
_LICENSE_TITLE = re.compile(r"(?i)^licen[cs]e[sd]?(?:\s*\([^)]*\))?$")


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
    """A heading's title without Markdown emphasis, a trailing colon, an anchor or a leading
    emoji ("## 📜 License")."""
    title = re.sub(r"\{#[^}]*\}\s*$", "", title)
    title = re.sub(r"^[^\w*_`]+", "", title.strip())
    return title.strip().strip("*_`:").strip()
