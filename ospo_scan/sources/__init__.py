"""Lockfile parsers: the ``PARSERS`` table, format detection and decoding.

Adding a format = one module here with a parser class + one line in ``_PARSER_CLASSES``.
Parsers are imported lazily: ``--help`` and discovery import none of them.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path, PurePath

from ospo_scan.errors import LockfileError
from ospo_scan.model import ParseResult
from ospo_scan.sources.base import LockfileParser, matches

# (module, class) per format, most specific first: the first parser whose patterns claim a
# file name parses it.
_PARSER_CLASSES: tuple[tuple[str, str], ...] = (
    ("npm", "NpmLockParser"),
    ("yarn", "YarnLockParser"),
    ("pnpm", "PnpmLockParser"),
    ("bun", "BunLockParser"),
    ("requirements", "RequirementsParser"),
    ("poetry", "PoetryLockParser"),
    ("pipenv", "PipfileLockParser"),
    ("uv", "UvLockParser"),
    ("pdm", "PdmLockParser"),
    ("pylock", "PylockParser"),
    ("cargo", "CargoLockParser"),
    ("golang", "GoModParser"),
    ("gem", "GemfileLockParser"),
    ("composer", "ComposerLockParser"),
    ("pub", "PubspecLockParser"),
    ("hex", "MixLockParser"),
    ("gradle", "GradleLockParser"),
    ("maven", "MavenPomParser"),
    ("nuget", "NugetLockParser"),
    ("swift", "SwiftResolvedParser"),
    ("cocoapods", "PodfileLockParser"),
    ("conan", "ConanLockParser"),
    # spdx before cyclonedx: "bom.1.*.json" would also claim "bom.1.x.spdx.json"
    ("spdx", "SpdxJsonParser"),
    ("cyclonedx", "CycloneDxJsonParser"),
    ("cyclonedx", "CycloneDxXmlParser"),
)

# Lockfiles we recognise but cannot read: a user hears why instead of silence, unless the
# readable file that replaces it lies beside it. name -> (problem, expected, replacement).
UNSUPPORTED: dict[str, tuple[str, str, str]] = {
    "bun.lockb": (
        "the binary bun.lockb format is not supported",
        "a text bun.lock: run `bun install --save-text-lockfile`",
        "bun.lock",
    ),
}

# A file named on the command line that no pattern claims is still read when its suffix says
# what it is: pip requirement files are often named freely (requirements/main.txt, prod.txt).
_EXPLICIT_SUFFIXES = {".txt": "requirements"}


@cache
def parsers() -> tuple[LockfileParser, ...]:
    """Every registered parser, instantiated once."""
    out = []
    for module_name, class_name in _PARSER_CLASSES:
        module = importlib.import_module(f"ospo_scan.sources.{module_name}")
        out.append(getattr(module, class_name)())
    return tuple(out)


@cache
def _exact_names() -> dict[str, LockfileParser]:
    """File names claimed literally (no glob, no folder): a dict lookup instead of fnmatch."""
    names: dict[str, LockfileParser] = {}
    for parser in parsers():
        for pattern in parser.patterns:
            if "/" not in pattern and not any(ch in pattern for ch in "*?["):
                names.setdefault(pattern, parser)
    return names


def parser_for(path: PurePath, *, explicit: bool = False) -> LockfileParser | None:
    """The parser that claims ``path`` by its name, or ``None``.

    With ``explicit`` (the user named this file), a file no pattern claims is given to the
    parser its suffix suggests, if any.
    """
    exact = _exact_names().get(path.name)
    if exact is not None:
        return exact
    for parser in parsers():
        if matches(parser, path):
            return parser
    if explicit and path.suffix in _EXPLICIT_SUFFIXES:
        wanted = _EXPLICIT_SUFFIXES[path.suffix]
        return next((p for p in parsers() if p.format == wanted), None)
    return None


def supported_files() -> list[tuple[str, str]]:
    """(format id, file name patterns) for every parser, for ``--help`` and the docs."""
    return [(p.format, ", ".join(p.patterns)) for p in parsers()]


# Markers that identify an SBOM named freely (sbom.json, app-bom.xml) by its first bytes.
_SNIFF_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b'"spdxVersion"', "spdx-json"),
    (b'"bomFormat"', "cyclonedx-json"),
    (b"cyclonedx.org/schema/bom", "cyclonedx-xml"),
)


def sniff(path: Path) -> LockfileParser | None:
    """The parser for a file named on the command line whose name no pattern claims, judged by
    its first 4 KiB (SBOMs are named freely); ``None`` when unknown or unreadable."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    for marker, wanted in _SNIFF_MARKERS:
        if marker in head:
            return next((p for p in parsers() if p.format == wanted), None)
    return None


def read_text(path: Path) -> str:
    """Read a lockfile as UTF-8 (a BOM is dropped); raise ``LockfileError`` when unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LockfileError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LockfileError(
            f"not UTF-8 text (byte {exc.start})", path=str(path), expected="a UTF-8 lockfile"
        ) from exc


def parse_file(path: Path, parser: LockfileParser | None = None) -> ParseResult:
    """Parse one lockfile with ``parser`` (or the one that claims its name)."""
    parser = parser or parser_for(path, explicit=True) or sniff(path)
    if parser is None:
        raise LockfileError("not a supported lockfile", path=str(path))
    return parser.parse(read_text(path), str(path))
