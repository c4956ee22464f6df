"""Parser for Elixir's ``mix.lock``: read as data by a small tokenizer, never evaluated.

mix.lock is an Elixir map literal, ``%{"app": {...}, ...}``, whose values are tuples
(Mix: lib/mix/dep/lock.ex writes it; Hex: lib/hex/scm.ex defines the hex tuple):

- ``{:hex, :package, "version", "inner checksum", [:mix | :rebar3 | :make ...],
  [{:app, "requirement", [hex: :package, repo: "hexpm", optional: false]} ...], "repo",
  "outer checksum"}``; older Hex versions wrote fewer trailing elements;
- ``{:git, "url", "commit", [branch: ..., ref: ..., tag: ..., sparse: ..., depth: ...]}``.

Only the subset these need is read: strings, atoms (``:a``, ``:"a b"``), integers, the
literals ``true``/``false``/``nil``, tuples, lists, keyword lists and maps. Anything else is
a ``LockfileError`` with its line. The map keys are the application names that the ``deps``
lists refer to; the second element of a hex tuple is the package name on the repository.
The lockfile records neither the project's own dependencies nor their environments (``only:``),
so ``direct`` and ``scope`` are unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, SourceLocation
from ospo_scan.sources.base import finish, make_purl, strip_credentials

ECOSYSTEM = "hex"
_DEFAULT_REPO = "hexpm"
_MAX_DEPTH = 32  # mix.lock nests four levels; a deeper file is not a lockfile


@dataclass(frozen=True, slots=True)
class Atom:
    """An Elixir atom (``:hex``, ``true``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Keyed:
    """A map key with the line it is written on (for component locations)."""

    key: str
    line: int


Term = str | int | Atom | tuple["Term", ...] | list["Term"] | dict[Keyed, "Term"]

# Tokens, tried in order at the current position. Keyword keys ("name: " and "\"name\": ")
# are told apart from atoms (":name") by where the colon is.
_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+|\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*")(?P<string_key>:(?=[ \t\r\n]))?
  | :(?P<quoted_atom>"(?:[^"\\]|\\.)*")
  | :(?P<atom>[A-Za-z_][A-Za-z0-9_@]*[?!]?)
  | (?P<key>[A-Za-z_][A-Za-z0-9_@]*[?!]?):(?=[ \t\r\n])
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<integer>-?[0-9][0-9_]*)
  | (?P<punct>%\{|=>|[{}\[\],])
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "#": "#", "s": " "}
_WORDS = frozenset({"true", "false", "nil"})


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # string, key, atom, integer, punct or end
    value: str
    line: int


def tokenize(text: str, path: str) -> list[_Token]:
    """Split ``text`` into tokens in one pass; raise ``LockfileError`` at the first stray
    character (with its line)."""
    tokens: list[_Token] = []
    pos, line, size = 0, 1, len(text)
    while pos < size:
        found = _TOKEN.match(text, pos)
        if found is None and text[pos] == '"':
            raise LockfileError("unterminated string", path=path, line=line, expected='a closing "')
        if found is None:
            raise LockfileError(
                f"unexpected {text[pos]!r}",
                path=path,
                line=line,
                expected="a string, atom, number, tuple, list or map",
            )
        kind = found.lastgroup
        if kind == "space":
            line += found.group(0).count("\n")
        elif kind == "string" or kind == "string_key":
            literal = found.group("string")
            token_kind = "key" if kind == "string_key" else "string"
            tokens.append(_Token(token_kind, _unquote(literal), line))
            line += literal.count("\n")
        elif kind == "quoted_atom":
            tokens.append(_Token("atom", _unquote(found.group(kind)), line))
        elif kind == "word":
            word = found.group(kind)
            if word not in _WORDS:
                raise LockfileError(
                    f"unexpected name {word}",
                    path=path,
                    line=line,
                    expected="true, false, nil or a literal value (mix.lock is data)",
                )
            tokens.append(_Token("atom", word, line))
        elif kind is not None:  # atom, key, integer, punct
            tokens.append(_Token(kind, found.group(kind), line))
        pos = found.end()
    tokens.append(_Token("end", "", line))
    return tokens


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    if "\\" not in body:
        return body
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body, flags=re.DOTALL)


class _TermReader:
    """Recursive descent over the tokens, depth-limited; each token is looked at once."""

    def __init__(self, tokens: list[_Token], path: str) -> None:
        self.tokens = tokens
        self.path = path
        self.pos = 0

    def error(self, token: _Token, expected: str) -> LockfileError:
        shown = "end of file" if token.kind == "end" else repr(token.value)
        return LockfileError(
            f"unexpected {shown}", path=self.path, line=token.line, expected=expected
        )

    def next(self) -> _Token:
        token = self.tokens[self.pos]
        if token.kind != "end":
            self.pos += 1
        return token

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def value(self, depth: int) -> Term:
        token = self.next()
        if depth > _MAX_DEPTH:
            raise LockfileError(
                "nested too deeply", path=self.path, line=token.line, expected="a mix.lock"
            )
        if token.kind == "string":
            return token.value
        if token.kind == "atom":
            return Atom(token.value)
        if token.kind == "integer":
            return int(token.value.replace("_", ""))
        if token.value == "{":
            return tuple(self.items("}", depth))
        if token.value == "[":
            return self.items("]", depth)
        if token.value == "%{":
            return self.map(depth)
        raise self.error(token, "a value")

    def items(self, close: str, depth: int) -> list[Term]:
        """Comma-separated values up to ``close``; in lists, ``key: value`` keyword pairs."""
        out: list[Term] = []
        while True:
            token = self.peek()
            if token.kind == "punct" and token.value == close:
                self.next()
                return out
            if token.kind == "key" and close == "]":
                self.next()
                out.append((Atom(token.value), self.value(depth + 1)))
            else:
                out.append(self.value(depth + 1))
            separator = self.next()
            if separator.kind == "punct" and separator.value == close:
                return out
            if not (separator.kind == "punct" and separator.value == ","):
                raise self.error(separator, f'"," or "{close}"')

    def map(self, depth: int) -> dict[Keyed, Term]:
        out: dict[Keyed, Term] = {}
        while True:
            token = self.peek()
            if token.kind == "punct" and token.value == "}":
                self.next()
                return out
            if token.kind == "key":
                self.next()
                key = Keyed(token.value, token.line)
            else:
                start = self.next()
                if start.kind not in ("string", "atom"):
                    raise self.error(start, "a string or atom map key")
                key = Keyed(start.value, start.line)
                arrow = self.next()
                if arrow.value != "=>":
                    raise self.error(arrow, '"=>"')
            out[key] = self.value(depth + 1)
            separator = self.next()
            if separator.kind == "punct" and separator.value == "}":
                return out
            if not (separator.kind == "punct" and separator.value == ","):
                raise self.error(separator, '"," or "}"')


def read_terms(text: str, path: str) -> Term:
    """The one Elixir term ``text`` holds; raise ``LockfileError`` for anything else."""
    reader = _TermReader(tokenize(text, path), path)
    term = reader.value(0)
    rest = reader.next()
    if rest.kind != "end":
        raise reader.error(rest, "end of file after the map")
    return term


@dataclass(frozen=True, slots=True)
class _Entry:
    app: str
    line: int
    purl: str
    name: str
    version: str | None
    deps: tuple[str, ...]  # application names
    registry: bool
    download_url: str | None
    hashes: tuple[tuple[str, str], ...]


class MixLockParser:
    """``mix.lock`` files."""

    format: str = "mix-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("mix.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per locked dependency (hex packages, git checkouts).

        Raises ``LockfileError`` for text that is not a map literal of the supported subset
        (with the line), and for an entry that is not a tuple starting with an SCM atom, or a
        hex tuple without an atom package name and a string version.
        """
        if not text.strip():
            return finish([], [])  # mix writes an empty lock as "%{}"; an empty file is fine
        data = read_terms(text, path)
        if not isinstance(data, dict):
            raise LockfileError(
                f"the file holds {_kind(data)}",
                path=path,
                line=1,
                expected='a map literal %{"app": {...}}',
            )
        diagnostics: list[Diagnostic] = []
        entries: dict[str, _Entry] = {}
        for key, value in data.items():
            entries[key.key] = _entry(key, value, path, diagnostics)
        components = []
        for entry in entries.values():
            deps = (entries[d].purl for d in entry.deps if d in entries)
            components.append(
                Component(
                    purl=entry.purl,
                    name=entry.name,
                    version=entry.version,
                    ecosystem=ECOSYSTEM,
                    scope=None,
                    direct=None,
                    locations=(SourceLocation(path, entry.line),),
                    dependencies=tuple(dict.fromkeys(d for d in deps if d != entry.purl)),
                    hashes=entry.hashes,
                    registry=entry.registry,
                    download_url=entry.download_url,
                )
            )
        return finish(components, diagnostics)


def _entry(key: Keyed, value: Term, path: str, diagnostics: list[Diagnostic]) -> _Entry:
    where = SourceLocation(path, key.line)
    if not isinstance(value, tuple) or not value or not isinstance(value[0], Atom):
        raise LockfileError(
            f'"{key.key}": {_kind(value)} found',
            path=path,
            line=key.line,
            expected='a tuple such as {:hex, :name, "version", ...} or {:git, url, commit, opts}',
        )
    scm = value[0].name
    if scm == "hex":
        return _hex_entry(key, value, path, diagnostics)
    if scm == "git" and len(value) >= 3 and isinstance(value[1], str):
        url = strip_credentials(value[1])
        commit = value[2] if isinstance(value[2], str) else ""
        vcs_url = f"git+{url}@{commit}" if commit else f"git+{url}"
        # sparse: the dependency lives in a subfolder of the repository (Mix's git options)
        sparse = _option(value[3] if len(value) > 3 else None, "sparse")
        if sparse:
            vcs_url = f"{vcs_url}#{sparse}"
        diagnostics.append(
            Diagnostic(where, f'"{key.key}" comes from the git repository {vcs_url}, not hex')
        )
        purl = make_purl(ECOSYSTEM, key.key.lower(), None, qualifiers={"vcs_url": vcs_url})
        return _Entry(key.key, key.line, purl, key.key, None, (), False, vcs_url, ())
    diagnostics.append(
        Diagnostic(where, f'"{key.key}" comes from a {scm} source, not from a hex repository')
    )
    purl = make_purl(ECOSYSTEM, key.key.lower(), None)
    return _Entry(key.key, key.line, purl, key.key, None, (), False, None, ())


def _hex_entry(
    key: Keyed, value: tuple[Term, ...], path: str, diagnostics: list[Diagnostic]
) -> _Entry:
    if len(value) < 3 or not isinstance(value[1], Atom) or not isinstance(value[2], str):
        raise LockfileError(
            f'"{key.key}": hex entry without a package atom and a version string',
            path=path,
            line=key.line,
            expected='{:hex, :package, "version", ...}',
        )
    name, version = value[1].name, value[2]
    deps_term = value[5] if len(value) > 5 else []
    if not isinstance(deps_term, list):
        raise LockfileError(
            f'"{key.key}": dependencies are {_kind(deps_term)}',
            path=path,
            line=key.line,
            expected="a list of {:app, requirement, options} tuples",
        )
    deps = tuple(
        dep[0].name
        for dep in deps_term
        if isinstance(dep, tuple) and dep and isinstance(dep[0], Atom)
    )
    repo = value[6] if len(value) > 6 and isinstance(value[6], str) else _DEFAULT_REPO
    outer = value[7] if len(value) > 7 and isinstance(value[7], str) else None
    hashes = (
        (("SHA-256", outer.lower()),) if outer and re.fullmatch(r"[0-9a-fA-F]{64}", outer) else ()
    )
    # Organization repositories are "hexpm:<org>": the purl namespace (purl spec, hex type).
    base, _, organization = repo.partition(":")
    purl_name = name.lower()
    if base == _DEFAULT_REPO:
        purl = make_purl(ECOSYSTEM, purl_name, version, namespace=organization.lower() or None)
        return _Entry(key.key, key.line, purl, name, version, deps, True, None, hashes)
    # A self-hosted repository: mix.lock keeps only the name under which the user configured
    # it (mix hex.repo add NAME URL), not its URL, so no purl can say where it lives and no
    # public registry may be asked about it.
    diagnostics.append(
        Diagnostic(
            SourceLocation(path, key.line),
            f'"{name}" {version} comes from the hex repository "{repo}", whose URL is in the '
            "Mix configuration, not in mix.lock",
        )
    )
    purl = make_purl(ECOSYSTEM, purl_name, version)
    return _Entry(key.key, key.line, purl, name, version, deps, False, None, hashes)


def _option(options: Term | None, name: str) -> str | None:
    """The string value of ``name`` in a keyword list such as ``[branch: "x", sparse: "y"]``."""
    if not isinstance(options, list):
        return None
    for item in options:
        if (
            isinstance(item, tuple)
            and len(item) == 2
            and item[0] == Atom(name)
            and isinstance(item[1], str)
        ):
            return item[1]
    return None


def _kind(term: object) -> str:
    if isinstance(term, dict):
        return "a map"
    if isinstance(term, tuple):
        return "a tuple"
    if isinstance(term, list):
        return "a list"
    if isinstance(term, Atom):
        return f"the atom :{term.name}"
    if isinstance(term, str):
        return "a string"
    return "a number"
