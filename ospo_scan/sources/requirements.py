"""Parser for pip requirements files, pip-compile and ``uv pip compile`` output included.

File format: pip's "Requirements File Format" documentation. A logical line is a physical
line plus the lines its trailing backslashes join; a ``#`` at the start of a line or after
whitespace starts a comment. Each logical line is an option (``-r``, ``-c``, ``-e``, index
options ...) or a PEP 508 requirement followed by per-requirement options (``--hash``).

What becomes a component: ``name==version`` / ``name===version`` pins (extras and markers do
not change the purl), and URL / VCS requirements (``registry=False``, with ``download_url``).
Everything not pinned to one version is a warning at ``file:line``. ``-r`` files are read
(relative to the including file); ``-c`` files only pin versions of requirements named
elsewhere, as pip's constraints do. pip-compile's ``# via`` annotations give ``direct``
(``-r <file>.in`` or ``<project> (pyproject.toml)``) and the dependency graph (``# via pkg``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, SourceLocation
from ospo_scan.sources.base import finish, strip_credentials
from ospo_scan.sources.python import (
    ECOSYSTEM,
    download_qualifiers,
    is_archive_name,
    is_url,
    is_vcs_url,
    name_version_from_filename,
    normalize_name,
    parse_requirement,
    pypi_purl,
    vcs_qualifiers,
)

# pip's comment rule: "#" at the start of a line or after whitespace (so "#egg=" in a URL
# is not a comment).
_COMMENT = re.compile(r"(?:^|\s+)#.*$")
_VIA = re.compile(r"^\s*via(?:\s+(?P<parents>.*))?$")
_VIA_ITEM = re.compile(r"^\s{2,}(?P<item>\S.*)$")
# "my-project (pyproject.toml)": pip-compile / uv name the project whose metadata asked for it.
_PROJECT_SOURCE = re.compile(r"^\S+\s+\([^)]+\)$")

_INCLUDE_OPTIONS = {
    "-r": False,
    "--requirement": False,
    "-c": True,
    "--constraint": True,
}
_EDITABLE_OPTIONS = frozenset({"-e", "--editable"})
# Options that apply to the whole pip run (indexes, build choices): nothing to scan.
_GLOBAL_OPTIONS = frozenset(
    {
        "-i",
        "--index-url",
        "--extra-index-url",
        "--no-index",
        "-f",
        "--find-links",
        "--trusted-host",
        "--pre",
        "--prefer-binary",
        "--require-hashes",
        "--only-binary",
        "--no-binary",
        "--use-feature",
        "-Z",
        "--always-unzip",
        "--process-dependency-links",
        "--allow-external",
        "--allow-all-external",
        "--allow-unverified",
        "--no-use-wheel",
        "--config-settings",
        "--global-option",
    }
)
_SHORT_WITH_VALUE = ("-r", "-c", "-e", "-i", "-f")


@dataclass(slots=True)
class _Entry:
    """One requirement line (pinned or not) while its file is being read."""

    name: str | None
    line: int
    purl: str | None = None
    version: str | None = None
    hashes: tuple[tuple[str, str], ...] = ()
    registry: bool = True
    download_url: str | None = None
    vias: list[str] = field(default_factory=list)
    unpinned: tuple[str, int] | None = None  # (display text, diagnostic sequence number)


@dataclass(slots=True)
class _File:
    """Per-file state: its entries and whether pip-compile annotated it."""

    path: str
    entries: list[_Entry] = field(default_factory=list)
    annotated: bool = False
    last: _Entry | None = None
    via_open: bool = False


@dataclass(frozen=True, slots=True)
class _Pin:
    version: str
    hashes: tuple[tuple[str, str], ...]


class RequirementsParser:
    """pip requirements files: ``requirements*.txt``, ``*-requirements.txt``,
    ``*_requirements.txt`` and every ``.txt`` in a ``requirements/`` folder.

    ``constraints*.txt`` files are not claimed: a constraints file installs nothing by itself
    (it only pins what other files require), so it is read only through ``-c``.
    """

    format: str = "requirements"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = (
        "requirements*.txt",
        "*-requirements.txt",
        "*_requirements.txt",
        "requirements/*.txt",
    )

    def parse(self, text: str, path: str) -> ParseResult:
        """Return the pinned requirements of ``text`` and of the files it includes.

        Raises ``LockfileError`` for a line that is neither an option nor a requirement.
        Problems that do not stop pip from reading the rest (unpinned requirements, URL and
        VCS requirements, missing or cyclic includes) are diagnostics.
        """
        reader = _Reader()
        reader.read(text, path, constraint=False, stack=(_file_key(path),))
        return reader.result()


def _file_key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, logical line), joining lines that end with a backslash.

    As in pip, a whole-line comment is never continued, and it ends a continuation.
    """
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        whole_comment = raw.lstrip().startswith("#")
        if raw.endswith("\\") and not whole_comment:
            if not pending:
                start = number
            pending.append(raw.rstrip("\\"))
            continue
        if pending:
            pending.append(f" {raw}" if whole_comment else raw)
            yield start, "".join(pending)
            pending = []
        else:
            yield number, raw
    if pending:
        yield start, "".join(pending)


class _Reader:
    """Reads one requirements file and the files it includes, then builds the components."""

    def __init__(self) -> None:
        self.files: list[_File] = []
        self.diagnostics: list[tuple[int, Diagnostic]] = []
        self.pins: dict[str, _Pin] = {}
        self.visited: set[tuple[str, bool]] = set()
        self.sequence = 0

    def warn(self, path: str, line: int, message: str) -> None:
        self.diagnostics.append((self.sequence, Diagnostic(SourceLocation(path, line), message)))
        self.sequence += 1

    def read(self, text: str, path: str, constraint: bool, stack: tuple[str, ...]) -> None:
        """Read one file; ``constraint`` files only contribute pins for other files' names."""
        self.visited.add((stack[-1], constraint))
        state = _File(path)
        if not constraint:
            self.files.append(state)
        for number, line in _logical_lines(text):
            found = _COMMENT.search(line)
            content = line[: found.start()] if found else line
            comment = found.group().strip() if found else ""
            content = content.strip()
            if content:
                state.via_open = False
                state.last = None
                if content.startswith("-"):
                    self._option(content, state, number, constraint, stack)
                else:
                    state.last = self._requirement(content, state, number, constraint)
            if comment:
                self._annotation(comment, state)
            elif not content:
                state.via_open = False

    def _annotation(self, comment: str, state: _File) -> None:
        """Apply a pip-compile ``# via`` annotation to the requirement just read."""
        body = comment.lstrip("#")
        via = _VIA.match(body)
        if via is not None:
            state.annotated = True
            parents = via.group("parents")
            state.via_open = parents is None and state.last is not None
            if parents and state.last is not None:
                state.last.vias.extend(p.strip() for p in parents.split(",") if p.strip())
            return
        item = _VIA_ITEM.match(body)
        if state.via_open and item is not None and state.last is not None:
            state.last.vias.append(item.group("item").strip())
            return
        state.via_open = False

    def _option(
        self, content: str, state: _File, number: int, constraint: bool, stack: tuple[str, ...]
    ) -> None:
        tokens = content.split()
        option, value = tokens[0], " ".join(tokens[1:])
        if option.startswith("--") and "=" in option:
            option, _, first = option.partition("=")
            value = " ".join([first, *tokens[1:]])
        elif not option.startswith("--") and len(option) > 2 and option[:2] in _SHORT_WITH_VALUE:
            option, value = option[:2], " ".join([option[2:], *tokens[1:]])
        if option in _INCLUDE_OPTIONS:
            target = value.split()[0] if value.split() else ""
            if not target:
                raise LockfileError(
                    f"{option} without a file name",
                    path=state.path,
                    line=number,
                    expected=f"{option} <file>",
                )
            self._include(target, state, number, constraint or _INCLUDE_OPTIONS[option], stack)
        elif option in _EDITABLE_OPTIONS:
            if not value:
                raise LockfileError(
                    f"{option} without a path or URL",
                    path=state.path,
                    line=number,
                    expected=f"{option} <path or VCS URL>",
                )
            if not constraint:
                state.last = self._reference(value.split()[0], None, state, number, f"-e {value}")
        elif option not in _GLOBAL_OPTIONS:
            self.warn(state.path, number, f"unknown option {option} ignored")

    def _include(
        self, target: str, state: _File, number: int, constraint: bool, stack: tuple[str, ...]
    ) -> None:
        """Read an included file relative to the including one (pip resolves it that way)."""
        if is_url(target):
            self.warn(
                state.path,
                number,
                f"included file {strip_credentials(target)} is a URL and was not read "
                "(expected a local file)",
            )
            return
        local = unquote(target[5:]) if target.startswith("file:") else target
        included = os.path.normpath(os.path.join(os.path.dirname(state.path), local))
        key = _file_key(included)
        if key in stack:
            self.warn(state.path, number, f"include cycle: {target} is already being read")
            return
        if (key, constraint) in self.visited:
            return
        try:
            data = Path(included).read_bytes()
        except FileNotFoundError:
            self.warn(state.path, number, f"included file {included} not found")
            return
        except OSError as exc:
            self.warn(state.path, number, f"cannot read included file {included}: {exc.strerror}")
            return
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.warn(state.path, number, f"included file {included} is not UTF-8 text")
            return
        self.read(text, included, constraint, (*stack, key))

    def _requirement(
        self, content: str, state: _File, number: int, constraint: bool
    ) -> _Entry | None:
        tokens = content.split()
        cut = next((i for i, t in enumerate(tokens) if i and t.startswith("-")), len(tokens))
        text = " ".join(tokens[:cut])
        hashes = _hashes(tokens[cut:])
        if _is_reference(text):
            if constraint:
                return None
            return self._reference(text, None, state, number, text)
        try:
            requirement = parse_requirement(text)
        except ValueError as exc:
            if "${" in text and not constraint:
                # pip expands ${VARIABLE}s from the environment, which a scan must not read
                self.warn(
                    state.path, number, f"{_quote(text)} is not pinned (expected name==version)"
                )
                return None
            raise LockfileError(
                f"invalid requirement {_quote(text)}: {exc}",
                path=state.path,
                line=number,
                expected="name==version, name @ URL or an option",
            ) from exc
        name = normalize_name(requirement.name)
        if requirement.url is not None:
            if constraint:
                return None
            return self._reference(requirement.url, requirement.name, state, number, text)
        version = requirement.pinned_version
        if constraint:
            if version is not None:
                self.pins.setdefault(name, _Pin(version, hashes))
            return None
        entry = _Entry(name=name, line=number, hashes=hashes)
        if version is None:
            entry.unpinned = (_quote(text), self.sequence)
            self.sequence += 1
        else:
            entry.version = version
            entry.purl = pypi_purl(name, version)
        state.entries.append(entry)
        return entry

    def _reference(
        self, target: str, name: str | None, state: _File, number: int, display: str
    ) -> _Entry:
        """A requirement on a URL, VCS URL or local path: reported, never compared as a pin.

        URL and VCS requirements become components with ``registry=False`` when their name
        is known (``name @ URL``, ``#egg=name`` or a wheel/sdist file name). Local directories
        (often the project itself) are only reported.
        """
        target = re.split(r"\s+;", target, maxsplit=1)[0].strip()
        self.warn(state.path, number, f"{_quote(display)} is not pinned (expected name==version)")
        url, fragment = target.split("#", 1) if "#" in target else (target, "")
        egg = re.search(r"(?:^|&)egg=([^&]+)", fragment)
        name = name or (egg.group(1).split("[")[0] if egg else None)
        version: str | None = None
        filename = urlsplit(url).path if is_url(url) else url
        from_file = name_version_from_filename(filename) if is_archive_name(filename) else None
        if from_file is not None and (
            name is None or normalize_name(from_file[0]) == normalize_name(name)
        ):
            name, version = from_file
        entry = _Entry(name=normalize_name(name) if name else None, line=number, registry=False)
        local = not is_url(url) or url.lower().startswith("file:")
        if entry.name is not None and (not local or from_file is not None):
            if is_vcs_url(url):
                qualifiers = vcs_qualifiers(url)
            elif local:
                qualifiers = {}
            else:
                qualifiers = download_qualifiers(url)
            entry.version = version
            entry.purl = pypi_purl(entry.name, version, qualifiers)
            entry.download_url = None if local else strip_credentials(url)
        state.entries.append(entry)
        return entry

    def result(self) -> ParseResult:
        """Build the components of every file read, with direct flags and the via graph."""
        components: list[Component] = []
        for state in self.files:
            self._resolve_unpinned(state)
            components.extend(_build(state))
        diagnostics = [d for _, d in sorted(self.diagnostics, key=lambda item: item[0])]
        return finish(components, diagnostics)

    def _resolve_unpinned(self, state: _File) -> None:
        """Pin unpinned requirements from ``-c`` constraint files; warn about the rest."""
        for entry in state.entries:
            if entry.unpinned is None or entry.name is None:
                continue
            pin = self.pins.get(entry.name)
            if pin is not None:
                entry.version = pin.version
                entry.purl = pypi_purl(entry.name, pin.version)
                entry.hashes = entry.hashes or pin.hashes
                continue
            text, sequence = entry.unpinned
            message = f"{text} is not pinned (expected name==version)"
            self.diagnostics.append(
                (sequence, Diagnostic(SourceLocation(state.path, entry.line), message))
            )


def _build(state: _File) -> list[Component]:
    """Components of one file; ``# via`` parents get this file's children as dependencies."""
    by_name: dict[str, list[_Entry]] = {}
    for entry in state.entries:
        if entry.name is not None and entry.purl is not None:
            by_name.setdefault(entry.name, []).append(entry)
    children: dict[int, list[str]] = {}
    direct: dict[int, bool | None] = {}
    for entry in state.entries:
        if entry.purl is None:
            continue
        is_direct = False
        for via in entry.vias:
            if via.startswith(("-r ", "--requirement")) or _PROJECT_SOURCE.match(via):
                is_direct = True
            elif not via.startswith(("-c ", "--constraint")):
                for parent in by_name.get(normalize_name(via.split("[")[0]), []):
                    children.setdefault(id(parent), []).append(entry.purl)
        direct[id(entry)] = is_direct if state.annotated and entry.vias else None
    return [
        Component(
            purl=entry.purl,
            name=entry.name or "",
            version=entry.version,
            ecosystem=ECOSYSTEM,
            scope=None,
            direct=direct[id(entry)],
            locations=(SourceLocation(state.path, entry.line),),
            dependencies=tuple(dict.fromkeys(children.get(id(entry), []))),
            hashes=entry.hashes,
            registry=entry.registry,
            download_url=entry.download_url,
        )
        for entry in state.entries
        if entry.purl is not None
    ]


def _is_reference(text: str) -> bool:
    """Whether a requirement line is a bare URL or path instead of a PEP 508 requirement.

    Like pip: a URL, or something that looks like a path (a path separator, a leading ``.``),
    or a distribution file name; ``name @ URL`` is a PEP 508 requirement.
    """
    head = text.split(";", 1)[0].strip()
    if is_url(head) or head.startswith((".", "/", "~", "file:")):
        return True
    if "@" in head or re.search(r"[=<>!~]", head):
        return False
    return "/" in head or "\\" in head or is_archive_name(head)


def _hashes(options: list[str]) -> tuple[tuple[str, str], ...]:
    """The ``--hash=alg:digest`` / ``--hash alg:digest`` options of one requirement."""
    found: list[tuple[str, str]] = []
    for index, token in enumerate(options):
        value = None
        if token.startswith("--hash="):
            value = token[len("--hash=") :]
        elif token == "--hash" and index + 1 < len(options):
            value = options[index + 1]
        if value and ":" in value:
            algorithm, _, digest = value.partition(":")
            found.append((algorithm.lower(), digest))
    return tuple(dict.fromkeys(found))


def _quote(text: str) -> str:
    """The requirement as the user wrote it, credentials removed, in double quotes."""
    cleaned = " ".join(strip_credentials(word) if "://" in word else word for word in text.split())
    return f'"{cleaned}"'
