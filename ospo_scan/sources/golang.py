"""Parser for Go's ``go.mod`` (and the ``go.sum`` beside it): the modules a Go module requires.

The go.mod reference (go.dev/ref/mod#go-mod-file) defines a line-based grammar: directives
(``module``, ``go``, ``toolchain``, ``godebug``, ``require``, ``exclude``, ``replace``,
``retract``, ``tool``, ``ignore``), each on one line or as a parenthesized block; tokens are
bare words or quoted strings; ``//`` starts a comment. Since Go 1.17 the ``require``
directives list every module of the build (module graph pruning), and a requirement the main
module does not import itself carries a ``// indirect`` comment. A ``replace`` directive swaps
a module (one version, or all) for another module version, or for a local directory. go.sum
holds the ``h1:`` hashes (go.dev/ref/mod#go-sum-files) of the module zips, used as hashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, Severity, SourceLocation
from ospo_scan.sources.base import finish, make_purl

ECOSYSTEM = "golang"

# The directives of go.mod as of Go 1.25 (go.dev/ref/mod#go-mod-file); any other is reported
# and skipped, so that a go.mod written by a newer Go still reads.
_DIRECTIVES = frozenset(
    (
        "module",
        "go",
        "toolchain",
        "godebug",
        "require",
        "exclude",
        "replace",
        "retract",
        "tool",
        "ignore",
    )
)
# The go directive from which go.mod lists the complete build list (go.dev/ref/mod, "Module
# graph pruning"); before it, transitive requirements may be missing from go.mod.
_PRUNING_GO = (1, 17)
_GO_VERSION = re.compile(r"^(\d+)\.(\d+)")
# A module version is a canonical semantic version with a leading "v" (go.dev/ref/mod#versions),
# pseudo-versions and "+incompatible" included.
_VERSION = re.compile(r"^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True, slots=True)
class _Line:
    """One logical go.mod line: its directive verb, arguments, trailing comment and number."""

    verb: str
    args: tuple[str, ...]
    comment: str
    number: int


@dataclass(frozen=True, slots=True)
class _Replacement:
    path: str
    version: str | None  # None: a local directory
    number: int


class GoModParser:
    """``go.mod`` files, with the hashes of the ``go.sum`` beside them when present."""

    format: str = "go-mod"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("go.mod",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per ``require``d module (after ``replace`` directives).

        ``direct`` is false for ``// indirect`` requirements. The main module is not a
        component. Raises ``LockfileError`` for a syntax error (unterminated string or block,
        a directive with the wrong number of arguments, a version that is not a semantic
        version), a missing ``module`` directive, or a malformed ``go.sum`` line.
        """
        lines = _logical_lines(text, path)
        diagnostics: list[Diagnostic] = []
        module: str | None = None
        go_version: str | None = None
        requires: list[_Line] = []
        replacements: dict[tuple[str, str | None], _Replacement] = {}
        excluded: set[tuple[str, str]] = set()
        for line in lines:
            where = SourceLocation(path, line.number)
            if line.verb not in _DIRECTIVES:
                diagnostics.append(
                    Diagnostic(where, f'unknown directive "{line.verb}" ignored', Severity.INFO)
                )
                continue
            if line.verb == "module":
                module = _one_arg(line, path, "a module path")
            elif line.verb == "go":
                go_version = _one_arg(line, path, "a Go version such as 1.22")
            elif line.verb == "require":
                _module_version(line, line.args, path)
                requires.append(line)
            elif line.verb == "exclude":
                excluded.add(_module_version(line, line.args, path))
            elif line.verb == "replace":
                key, target = _replace(line, path)
                replacements[key] = target
            # toolchain, godebug, retract (versions of this module), tool and ignore (packages
            # of the build) say nothing about which third-party modules are used.
        if module is None:
            raise LockfileError(
                "no module directive", path=path, line=1, expected="module <module path>"
            )
        if requires and _before_pruning(go_version):
            diagnostics.append(
                Diagnostic(
                    SourceLocation(path, 1),
                    f"go {go_version or '(none: 1.16 assumed)'} predates Go 1.17: go.mod may not "
                    "list every indirect dependency (run go mod tidy with a newer go directive)",
                )
            )
        sums = _read_go_sum(path)

        components: list[Component] = []
        for line in requires:
            required, version = line.args
            where = SourceLocation(path, line.number)
            if (required, version) in excluded:
                diagnostics.append(
                    Diagnostic(where, f"{required} {version} is required and also excluded")
                )
            # A replacement of this exact version wins over one for every version (go.dev/ref/mod)
            replacement = replacements.get((required, version))
            if replacement is None:
                replacement = replacements.get((required, None))
            direct = not _is_indirect(line.comment)
            if replacement is not None and replacement.version is None:
                diagnostics.append(
                    Diagnostic(
                        where,
                        f"{required} {version} is replaced by the local directory "
                        f"{replacement.path} (line {replacement.number}), not a module version",
                    )
                )
                components.append(_component(required, version, direct, where, (), registry=False))
                continue
            if replacement is not None and replacement.version is not None:
                diagnostics.append(
                    Diagnostic(
                        where,
                        f"{required} {version} is replaced by {replacement.path} "
                        f"{replacement.version} (line {replacement.number})",
                        Severity.INFO,
                    )
                )
                required, version = replacement.path, replacement.version
            found = sums.get((required, version))
            hashes = (("h1", found),) if found else ()
            components.append(_component(required, version, direct, where, hashes))
        return finish(components, diagnostics)


def _component(
    module: str,
    version: str,
    direct: bool,
    where: SourceLocation,
    hashes: tuple[tuple[str, str], ...],
    *,
    registry: bool = True,
) -> Component:
    return Component(
        purl=golang_purl(module, version),
        name=module,
        version=version,
        ecosystem=ECOSYSTEM,
        scope=None,
        direct=direct,
        locations=(where,),
        hashes=hashes,
        registry=registry,
    )


def golang_purl(module: str, version: str | None) -> str:
    """``pkg:golang/<path up to the last "/">/<last segment>@<version>``, lowercased.

    The purl spec's golang type says namespace and name must be lowercased; Go module paths
    are case-sensitive (the module proxy escapes capitals), so the path as written is kept in
    ``Component.name`` for anyone who must fetch the module.
    """
    lowered = module.lower()
    namespace, _, name = lowered.rpartition("/")
    return make_purl(ECOSYSTEM, name, version, namespace=namespace or None)


# --- the go.mod grammar ------------------------------------------------------------------------


def _logical_lines(text: str, path: str) -> list[_Line]:
    """Every directive line, with blocks (``require ( ... )``) expanded: one linear pass."""
    out: list[_Line] = []
    block: tuple[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        tokens, comment = _tokens(raw, path, number)
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
                continue
            if tokens[0] in ("(", ")") or tokens[-1] == "(":
                raise LockfileError(
                    f'unexpected "{tokens[-1]}" inside the {block[0]} block of line {block[1]}',
                    path=path,
                    line=number,
                    expected='one entry per line, then ")"',
                )
            out.append(_Line(block[0], tuple(tokens), comment, number))
            continue
        verb, args = tokens[0], tokens[1:]
        if args == ["("]:
            block = (verb, number)
            continue
        if args == ["(", ")"]:
            continue  # an empty block
        if "(" in args or ")" in args or verb in ("(", ")"):
            raise LockfileError(
                f'unexpected "{"(" if "(" in tokens else ")"}"',
                path=path,
                line=number,
                expected='a directive, or a directive followed by "(" to open a block',
            )
        out.append(_Line(verb, tuple(args), comment, number))
    if block is not None:
        raise LockfileError(
            f"the {block[0]} block is never closed",
            path=path,
            line=block[1],
            expected='")" on a line of its own',
        )
    return out


def _tokens(line: str, path: str, number: int) -> tuple[list[str], str]:
    """Split one line into tokens and its ``//`` comment (without the slashes)."""
    tokens: list[str] = []
    i, size = 0, len(line)
    while i < size:
        ch = line[i]
        if ch in " \t\r":
            i += 1
        elif line.startswith("//", i):
            return tokens, line[i + 2 :].strip()
        elif ch in "()":
            tokens.append(ch)
            i += 1
        elif ch == '"' or ch == "`":
            end = _string_end(line, i)
            if end < 0:
                raise LockfileError(
                    "unterminated string", path=path, line=number, expected=f"a closing {ch}"
                )
            body = line[i + 1 : end]
            tokens.append(_unescape(body) if ch == '"' else body)
            i = end + 1
        else:
            start = i
            while i < size and line[i] not in ' \t\r()"`' and not line.startswith("//", i):
                i += 1
            tokens.append(line[start:i])
    return tokens, ""


def _string_end(line: str, start: int) -> int:
    quote = line[start]
    i = start + 1
    while i < len(line):
        if quote == '"' and line[i] == "\\":
            i += 2
            continue
        if line[i] == quote:
            return i
        i += 1
    return -1


def _unescape(body: str) -> str:
    # Module paths and versions never need escapes beyond \" and \\ (Go string literals).
    return re.sub(r"\\(.)", r"\1", body)


def _one_arg(line: _Line, path: str, expected: str) -> str:
    if len(line.args) != 1:
        raise LockfileError(
            f"{line.verb} takes one argument, {_count(len(line.args))} found",
            path=path,
            line=line.number,
            expected=expected,
        )
    return line.args[0]


def _count(number: int) -> str:
    return f"{number} argument" if number == 1 else f"{number} arguments"


def _module_version(line: _Line, args: tuple[str, ...], path: str) -> tuple[str, str]:
    if len(args) != 2:
        raise LockfileError(
            f"{line.verb} needs a module path and a version, {_count(len(args))} found",
            path=path,
            line=line.number,
            expected="<module path> <version>",
        )
    module, version = args
    _check_version(module, version, line, path)
    return module, version


def _check_version(module: str, version: str, line: _Line, path: str) -> None:
    if not _VERSION.match(version):
        raise LockfileError(
            f'"{version}" of {module} is not a module version',
            path=path,
            line=line.number,
            expected="a semantic version such as v1.2.3",
        )


def _replace(line: _Line, path: str) -> tuple[tuple[str, str | None], _Replacement]:
    """``old [version] => new [version]``; a new path without a version is a directory."""
    args = line.args
    if "=>" not in args:
        raise LockfileError(
            'replace without "=>"',
            path=path,
            line=line.number,
            expected="<module> [version] => <module> <version> | <directory>",
        )
    arrow = args.index("=>")
    old, new = args[:arrow], args[arrow + 1 :]
    if len(old) not in (1, 2) or len(new) not in (1, 2):
        raise LockfileError(
            "replace has the wrong number of arguments",
            path=path,
            line=line.number,
            expected="<module> [version] => <module> <version> | <directory>",
        )
    if len(old) == 2:
        _check_version(old[0], old[1], line, path)
    if len(new) == 2:
        _check_version(new[0], new[1], line, path)
    key = (old[0], old[1] if len(old) == 2 else None)
    return key, _Replacement(new[0], new[1] if len(new) == 2 else None, line.number)


def _is_indirect(comment: str) -> bool:
    """``// indirect`` or ``// indirect; <more>`` (cmd/go's modfile: isIndirect)."""
    return comment == "indirect" or comment.startswith("indirect;")


def _before_pruning(go_version: str | None) -> bool:
    if go_version is None:
        return True
    found = _GO_VERSION.match(go_version)
    return found is not None and (int(found.group(1)), int(found.group(2))) < _PRUNING_GO


# --- go.sum ------------------------------------------------------------------------------------


def _read_go_sum(path: str) -> dict[tuple[str, str], str]:
    """``(module, version) -> h1 hash`` of each module zip in the go.sum beside ``path``.

    go.sum is optional (a module without dependencies has none); lines for ``/go.mod`` files
    are skipped. Raises ``LockfileError`` naming the go.sum line when one is malformed.
    """
    sum_path = Path(path).with_name("go.sum")
    try:
        text = sum_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    out: dict[tuple[str, str], str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        fields = raw.split()
        if not fields:
            continue
        if len(fields) != 3 or ":" not in fields[2]:
            raise LockfileError(
                f"{len(fields)} fields found",
                path=str(sum_path),
                line=number,
                expected="<module> <version>[/go.mod] <algorithm>:<hash>",
            )
        module, version, digest = fields
        if version.endswith("/go.mod"):
            continue
        algorithm, _, value = digest.partition(":")
        if algorithm == "h1" and value:
            out[(module, version)] = value
    return out
