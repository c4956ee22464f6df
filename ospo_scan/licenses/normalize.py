"""Normalize declared license strings (SPDX, aliases, classifiers, URLs, texts) to SPDX.

This is the only module that imports ``license_expression``: it parses with it, and takes the
list of SPDX license and exception ids from its bundled ScanCode LicenseDB index
(``get_spdx_licensing``). What leaves the module is plain data: canonical expression strings
and a small frozen tree (``LicenseLeaf`` / ``AnyOf`` / ``AllOf``).

Accuracy over coverage: a string is only mapped to an SPDX id when the mapping is certain or
explicitly marked as a guess (method ``"ambiguous"``, low confidence, with a note); anything
else becomes a visible ``LicenseRef-ospo-...`` key that policies treat as unknown.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = [
    "COMMONS_CLAUSE_REF",
    "LICENSE_TEXT_REF",
    "PROPRIETARY_REF",
    "PUBLIC_DOMAIN_REF",
    "SEE_LICENSE_FILE_REF",
    "AllOf",
    "AnyOf",
    "LicenseLeaf",
    "LicenseNode",
    "Normalized",
    "canonical_exception",
    "canonical_id",
    "from_classifiers",
    "is_unknown_key",
    "license_index",
    "license_keys",
    "normalize",
    "parse_expression",
    "refine_gnu_version",
    "render",
]


# --------------------------------------------------------------------------------------------
# Public data types


@dataclass(frozen=True, slots=True)
class Normalized:
    """The SPDX reading of one declared license string.

    ``expression`` is a canonical SPDX expression, or ``None`` when the input declares
    nothing. ``method`` says how it was read: ``spdx`` | ``deprecated`` | ``alias`` | ``url`` |
    ``classifier`` | ``ambiguous`` | ``text`` | ``unrecognized`` | ``proprietary``; for a
    compound input it is the weakest method used for any part.
    """

    expression: str | None
    confidence: float
    method: str
    raw: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class LicenseLeaf:
    """One license id, with the SPDX exception that modifies it (``X WITH E``), if any."""

    key: str
    exception: str | None = None


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``A OR B``: the licensee may choose any one item."""

    items: tuple[LicenseNode, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    """``A AND B``: every item applies."""

    items: tuple[LicenseNode, ...]


LicenseNode: TypeAlias = LicenseLeaf | AnyOf | AllOf

# Our own LicenseRefs. Only the first three have a category (proprietary, public-domain and
# source-available, see categories.py); every other LicenseRef counts as unknown.
PROPRIETARY_REF = "LicenseRef-ospo-proprietary"
PUBLIC_DOMAIN_REF = "LicenseRef-ospo-public-domain"
COMMONS_CLAUSE_REF = "LicenseRef-ospo-commons-clause"
SEE_LICENSE_FILE_REF = "LicenseRef-ospo-see-license-file"
LICENSE_TEXT_REF = "LicenseRef-ospo-license-text"
_REF_PREFIX = "LicenseRef-ospo-"
KNOWN_REFS = frozenset({PROPRIETARY_REF, PUBLIC_DOMAIN_REF, COMMONS_CLAUSE_REF})

# How much each way of reading a string is trusted; a compound answer takes its weakest part.
CONFIDENCE = {
    "spdx": 1.0,
    "deprecated": 0.95,
    "alias": 0.9,
    "proprietary": 0.9,
    "url": 0.85,
    "classifier": 0.8,
    "text": 0.75,
    "ambiguous": 0.4,
    "unrecognized": 0.1,
}
_METHOD_RANK = {
    "spdx": 0,
    "deprecated": 1,
    "alias": 2,
    "proprietary": 2,
    "url": 3,
    "classifier": 4,
    "text": 5,
    "ambiguous": 6,
    "unrecognized": 7,
}

# --------------------------------------------------------------------------------------------
# SPDX ids: taken from license-expression's bundled index, corrected where it differs from the
# SPDX License List.

# Deprecated SPDX license ids and the expression that replaces each, from the deprecation
# notes of the SPDX License List (3.27). SPDX names only the exception for the
# "GPL-x.0-with-...-exception" ids; the GPL version follows the deprecated plain id
# ("GPL-2.0" = "GPL-2.0-only"). Net-SNMP was deprecated in 3.25 as a bundle of several
# licenses with no single replacement: it stays as written.
DEPRECATED_IDS: Mapping[str, str | None] = {
    "AGPL-1.0": "AGPL-1.0-only",
    "AGPL-3.0": "AGPL-3.0-only",
    "BSD-2-Clause-FreeBSD": "BSD-2-Clause-Views",
    "BSD-2-Clause-NetBSD": "BSD-2-Clause",
    "bzip2-1.0.5": "bzip2-1.0.6",
    "eCos-2.0": "GPL-2.0-or-later WITH eCos-exception-2.0",
    "GFDL-1.1": "GFDL-1.1-only",
    "GFDL-1.2": "GFDL-1.2-only",
    "GFDL-1.3": "GFDL-1.3-only",
    "GPL-1.0": "GPL-1.0-only",
    "GPL-1.0+": "GPL-1.0-or-later",
    "GPL-2.0": "GPL-2.0-only",
    "GPL-2.0+": "GPL-2.0-or-later",
    "GPL-2.0-with-autoconf-exception": "GPL-2.0-only WITH Autoconf-exception-2.0",
    "GPL-2.0-with-bison-exception": "GPL-2.0-only WITH Bison-exception-2.2",
    "GPL-2.0-with-classpath-exception": "GPL-2.0-only WITH Classpath-exception-2.0",
    "GPL-2.0-with-font-exception": "GPL-2.0-only WITH Font-exception-2.0",
    "GPL-2.0-with-GCC-exception": "GPL-2.0-only WITH GCC-exception-2.0",
    "GPL-3.0": "GPL-3.0-only",
    "GPL-3.0+": "GPL-3.0-or-later",
    "GPL-3.0-with-autoconf-exception": "GPL-3.0-only WITH Autoconf-exception-3.0",
    "GPL-3.0-with-GCC-exception": "GPL-3.0-only WITH GCC-exception-3.1",
    "LGPL-2.0": "LGPL-2.0-only",
    "LGPL-2.0+": "LGPL-2.0-or-later",
    "LGPL-2.1": "LGPL-2.1-only",
    "LGPL-2.1+": "LGPL-2.1-or-later",
    "LGPL-3.0": "LGPL-3.0-only",
    "LGPL-3.0+": "LGPL-3.0-or-later",
    "Net-SNMP": None,
    "Nunit": "zlib-acknowledgement",
    "StandardML-NJ": "SMLNJ",
    "wxWindows": "LGPL-2.0-or-later WITH WxWindows-exception-3.1",
}
DEPRECATED_EXCEPTIONS: Mapping[str, str] = {"Nokia-Qt-exception-1.1": "Qt-LGPL-exception-1.1"}
# The ScanCode index flags this SPDX *license* id as an exception.
_LICENSES_FLAGGED_AS_EXCEPTIONS = frozenset({"MPL-2.0-no-copyleft-exception"})


@dataclass(frozen=True, slots=True)
class _SpdxTables:
    licenses: dict[str, str]  # lower-case id -> canonical id (current and deprecated ids)
    deprecated: dict[str, str | None]  # lower-case deprecated id -> replacement expression
    exceptions: dict[str, str]  # lower-case exception id -> canonical (current) exception id
    or_later: dict[str, str]  # "GPL-2.0-only" and "GPL-2.0-or-later" -> "GPL-2.0-or-later"


@functools.cache
def _spdx_licensing() -> Any:
    """license-expression's SPDX ``Licensing``, built once (it loads a 1 MB index)."""
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def license_index() -> list[dict[str, Any]]:
    """The ScanCode LicenseDB index bundled with license-expression, as loaded JSON.

    One mapping per license: ``license_key``, ``spdx_license_key``, ``other_spdx_license_keys``,
    ``category``, ``is_exception``, ... (scripts/update_license_data.py reads the categories
    from it). A fresh list on every call.
    """
    from license_expression import get_license_index

    index: list[dict[str, Any]] = get_license_index()
    return index


@functools.cache
def _parser() -> Any:
    """A ``Licensing`` without symbols: parses any expression and keeps keys as written.

    The SPDX ``Licensing`` would resolve ScanCode's own aliases on the way in ("GPL" to
    GPL-1.0-or-later, "LicenseRef-GPL-2.0" to GPL-2.0-only), which are not SPDX semantics; our
    tables below decide what each key means.
    """
    from license_expression import Licensing

    return Licensing()


@functools.cache
def _tables() -> _SpdxTables:
    """The SPDX License List as lookup tables (699 licenses and 79 exceptions in 3.27)."""
    licenses: dict[str, str] = {}
    exceptions: dict[str, str] = {}
    for key, symbol in _spdx_licensing().known_symbols.items():
        # ScanCode's aliases ("GPL", "BSD-2", "GPL 2.0") are not SPDX ids: only primary keys.
        if key.startswith(("LicenseRef-", "DocumentRef-")) or key in DEPRECATED_IDS:
            continue
        if symbol.is_exception and key not in _LICENSES_FLAGGED_AS_EXCEPTIONS:
            exceptions[key.lower()] = key
        else:
            licenses[key.lower()] = key
    deprecated: dict[str, str | None] = {}
    for key, replacement in DEPRECATED_IDS.items():
        licenses[key.lower()] = key
        deprecated[key.lower()] = replacement
    for key, replacement in DEPRECATED_EXCEPTIONS.items():
        exceptions[key.lower()] = replacement
    or_later: dict[str, str] = {}
    for canonical in licenses.values():
        if canonical.endswith("-only"):
            later = canonical[: -len("-only")] + "-or-later"
            if later.lower() in licenses:
                or_later[canonical] = later
                or_later[later] = later
    return _SpdxTables(licenses, deprecated, exceptions, or_later)


# --------------------------------------------------------------------------------------------
# Public helpers on ids and expressions


def canonical_id(key: str) -> str | None:
    """The canonical SPDX license id for ``key``, matched case-insensitively.

    Deprecated ids become their replacement when it is a single id (``"GPL-2.0+"`` ->
    ``"GPL-2.0-or-later"``); those replaced by a ``WITH`` expression (``eCos-2.0``) or by none
    (``Net-SNMP``) come back in their own canonical casing. ``"X+"`` becomes ``X-or-later``
    where SPDX has one, else stays ``"X+"`` (``"Apache-2.0+"``). Returns ``None`` when ``key``
    is not an SPDX license id (exceptions, LicenseRefs, free text).
    """
    key = key.strip()
    if _is_ref(key):
        return None
    found = _resolve_id(key)
    if found is None:
        return None
    node, _method = found
    if isinstance(node, LicenseLeaf) and node.exception is None:
        return node.key
    return _tables().licenses.get(key.lower())


def canonical_exception(key: str) -> str | None:
    """The canonical SPDX exception id for ``key`` (case-insensitive), or ``None``.

    The deprecated ``Nokia-Qt-exception-1.1`` becomes ``Qt-LGPL-exception-1.1``.
    """
    return _tables().exceptions.get(key.strip().lower())


def is_unknown_key(key: str) -> bool:
    """Whether a license key from an expression is outside the SPDX license list.

    True for ``LicenseRef-*``/``DocumentRef-*`` keys (ours included) except the three our
    categories know (proprietary, public domain, Commons Clause), and for anything that is not
    an SPDX license id. ``"X+"`` on an SPDX id is known.
    """
    if key in KNOWN_REFS:
        return False
    if _is_ref(key):
        return True
    return canonical_id(key) is None


def parse_expression(expression: str) -> LicenseNode:
    """Parse a valid SPDX expression into a ``LicenseNode`` tree with canonical ids.

    Operators are case-insensitive; ids are canonicalized (deprecated ones replaced); nested
    operators of the same kind are flattened and repeated siblings dropped. Raises
    ``ValueError`` when the expression is empty, malformed, or names something that is not an
    SPDX license id, exception id or LicenseRef.
    """
    parsed = _parse(expression)
    if parsed is None:
        raise ValueError(f"not a valid SPDX license expression: {expression!r}")

    def strict_leaf(key: str, exception: str | None) -> LicenseNode:
        found = _resolve_id(key)
        if found is None:
            raise ValueError(f"{key!r} is not an SPDX license id or LicenseRef")
        node = found[0]
        if exception is None:
            return node
        exception_id = canonical_exception(exception)
        if exception_id is None:
            raise ValueError(f"{exception!r} is not an SPDX license exception id")
        if not isinstance(node, LicenseLeaf) or node.exception is not None:
            raise ValueError(f"{key!r} cannot take an exception (it stands for {render(node)})")
        return LicenseLeaf(node.key, exception_id)

    return _convert(parsed, strict_leaf)


def license_keys(expression: str) -> tuple[str, ...]:
    """Every license key in a valid expression, in order of appearance, each once.

    Raises ``ValueError`` like ``parse_expression``.
    """
    return tuple(dict.fromkeys(leaf.key for leaf in _leaves(parse_expression(expression))))


_GNU_ID = re.compile(r"^(?P<family>GPL|LGPL|AGPL)-(?P<version>\d\.\d)-(?:only|or-later)$")


def refine_gnu_version(
    expression: str, notice_ids: Iterable[str], *, version_known: bool
) -> str | None:
    """A declared GNU license made precise by the "or any later version" notice of its files.

    ``expression`` is what the metadata declared; each GPL, LGPL or AGPL id in it (with or
    without an exception, alone or in an ``OR``/``AND``) is refined on its own. ``notice_ids``
    are the ``-or-later`` ids that notices in the package's files grant (licenses/detect.py).
    A bare version ("LGPL-3.0", "GPLv2") says nothing about later versions and SPDX reads it
    as ``-only``; a family name alone ("LGPL") says no version at all
    (``version_known=False``): the notice of the same family settles it. When the version is
    known, a notice granting that version or an earlier one "or any later" makes it
    ``-or-later`` (a notice of a later version does not: it grants other terms). Returns the
    refined expression, or ``None`` when nothing was refined (no GNU id, or notices that do
    not name exactly one candidate for it: two LGPL notices of different versions leave the
    declaration as it is).
    """
    try:
        node = parse_expression(expression)
    except ValueError:
        return None
    notices = [n for n in notice_ids if _GNU_ID.match(n) and n.endswith("-or-later")]

    def refine(leaf: LicenseLeaf) -> LicenseLeaf:
        declared = _GNU_ID.match(leaf.key)
        if declared is None:
            return leaf
        candidates: set[str] = set()
        for notice in notices:
            found = _GNU_ID.match(notice)
            assert found is not None
            if found.group("family") != declared.group("family"):
                continue
            if not version_known:
                candidates.add(notice)
            elif float(found.group("version")) <= float(declared.group("version")):
                # "version 2 or any later" over an LGPL-2.1 text: 2.1 is one of the later
                # versions, and the text shipped names it.
                candidates.add(f"{declared.group('family')}-{declared.group('version')}-or-later")
        if len(candidates) != 1:
            return leaf
        return LicenseLeaf(candidates.pop(), leaf.exception)

    refined = _map_leaves(node, refine)
    return None if refined == node else render(refined)


def _map_leaves(node: LicenseNode, change: Callable[[LicenseLeaf], LicenseLeaf]) -> LicenseNode:
    """``node`` with every leaf replaced by ``change(leaf)``."""
    if isinstance(node, LicenseLeaf):
        return change(node)
    return type(node)(tuple(_map_leaves(item, change) for item in node.items))


def license_family(license_id: str) -> str:
    """ "BSD-3-Clause" -> "BSD", "LGPL-2.1-or-later" -> "LGPL", "0BSD" -> "0BSD"; Creative
    Commons ids keep their elements ("CC-BY-SA-4.0" -> "CC-BY-SA", "CC0-1.0" -> "CC0"): a
    dedication or an added condition is not a detail a vague name merely lacked."""
    if license_id.startswith("CC"):
        return re.sub(r"-\d.*$", "", license_id)
    found = re.match(r"\d*[A-Za-z]+", license_id)
    return found.group(0) if found else license_id


def render(node: LicenseNode) -> str:
    """The canonical SPDX string of a tree: nested compound items are parenthesized."""
    if isinstance(node, LicenseLeaf):
        return node.key if node.exception is None else f"{node.key} WITH {node.exception}"
    operator = " OR " if isinstance(node, AnyOf) else " AND "
    return operator.join(
        render(item) if isinstance(item, LicenseLeaf) else f"({render(item)})"
        for item in node.items
    )


def _leaves(node: LicenseNode) -> Iterator[LicenseLeaf]:
    if isinstance(node, LicenseLeaf):
        yield node
    else:
        for item in node.items:
            yield from _leaves(item)


def _combine(kind: type[AnyOf] | type[AllOf], items: Iterable[LicenseNode]) -> LicenseNode:
    """``AnyOf``/``AllOf`` of ``items``, flattening same-kind children and dropping repeats."""
    flat: list[LicenseNode] = []
    for item in items:
        for child in item.items if isinstance(item, kind) else (item,):
            if child not in flat:
                flat.append(child)
    if len(flat) == 1:
        return flat[0]
    return kind(tuple(flat))


_REF = re.compile(r"^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$", re.IGNORECASE)


def _is_ref(key: str) -> bool:
    """A well-formed ``LicenseRef-...`` or ``DocumentRef-...:LicenseRef-...`` key."""
    return _REF.match(key) is not None


def _canonical_ref(key: str) -> str:
    """``licenseref-foo`` -> ``LicenseRef-foo``: the prefixes have fixed casing in SPDX."""
    out = re.sub(r"^documentref-", "DocumentRef-", key, flags=re.IGNORECASE)
    return re.sub(r"(^|:)licenseref-", r"\1LicenseRef-", out, flags=re.IGNORECASE)


def _resolve_id(key: str) -> tuple[LicenseNode, str] | None:
    """A bare SPDX id (or ``id+`` or LicenseRef) as a node, with method spdx/deprecated."""
    if not key:
        return None
    if _is_ref(key):
        return LicenseLeaf(_canonical_ref(key)), "spdx"
    tables = _tables()
    lowered = key.lower()
    plus = False
    if lowered not in tables.licenses and lowered.endswith("+"):
        plus, lowered = True, lowered[:-1]
    canonical = tables.licenses.get(lowered)
    if canonical is None:
        return None
    method = "spdx"
    node: LicenseNode = LicenseLeaf(canonical)
    if lowered in tables.deprecated:
        method = "deprecated"
        replacement = tables.deprecated[lowered]
        if replacement is not None:
            license_id, _, exception = replacement.partition(" WITH ")
            node = LicenseLeaf(license_id, exception or None)
    if plus:
        assert isinstance(node, LicenseLeaf)
        later = tables.or_later.get(node.key)
        if later is not None:
            # "GPL-2.0-only+" and "LGPL-2.1+" (SPDX 2 "+" operator) mean the -or-later id.
            node, method = LicenseLeaf(later, node.exception), "deprecated"
        else:
            # SPDX semantics for other ids: "Apache-2.0+" is "this version or any later one".
            node = LicenseLeaf(f"{node.key}+", node.exception)
    return node, method


# --------------------------------------------------------------------------------------------
# Parsing with license-expression


def _parse(text: str) -> Any | None:
    """license-expression's parse tree of ``text`` (keys as written), or ``None``."""
    try:
        parsed = _parser().parse(text)
    except Exception:
        # Besides its ExpressionError, the parser lets AssertionError and IndexError escape on
        # malformed input ("( )", "( AND MIT"): any failure means "not an expression".
        return None
    return parsed


def _convert(parsed: Any, leaf: Callable[[str, str | None], LicenseNode]) -> LicenseNode:
    """Walk a license-expression tree; ``leaf(key, exception)`` maps each symbol to a node."""
    from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(parsed, LicenseWithExceptionSymbol):
        return leaf(parsed.license_symbol.key, parsed.exception_symbol.key)
    if isinstance(parsed, LicenseSymbol):
        return leaf(parsed.key, None)
    if isinstance(parsed, AND | OR):
        kind = AllOf if isinstance(parsed, AND) else AnyOf
        return _combine(kind, (_convert(arg, leaf) for arg in parsed.args))
    raise ValueError(f"unexpected node in a license expression: {parsed!r}")


# --------------------------------------------------------------------------------------------
# Aliases: the names met in package metadata, matched after _alias_key() folds away case,
# punctuation, "License"/"Version"/"GNU"/"the", "v2" vs "2.0" and "or later" vs "+".

# (expression, confidence, note, names)
_AliasGroup: TypeAlias = tuple[str, float, str | None, tuple[str, ...]]

_NO_VERSION = "no version given; assumed the current one"

_ALIASES: tuple[_AliasGroup, ...] = (
    (
        "MIT",
        0.9,
        None,
        (
            "MIT License",
            "The MIT License (MIT)",
            "MIT License (MIT)",
            "MIT/X11",
            "MIT X11",
            "X11/MIT",
            "MIT/Expat",
            "Expat",
            "Expat License",
            "Expat (MIT/X11)",
            "MIT (Expat)",
            "Bouncy Castle Licence",
            "Bouncy Castle License",
            "MIT Licensed",
        ),
    ),
    ("MIT-0", 0.9, None, ("MIT No Attribution", "MIT No Attribution License (MIT-0)")),
    (
        "Apache-2.0",
        0.9,
        None,
        (
            "Apache 2.0",
            "Apache License 2.0",
            "Apache License, Version 2.0",
            "Apache License Version 2.0",
            "Apache License v2.0",
            "The Apache License, Version 2.0",
            "The Apache Software License, Version 2.0",
            "Apache Software License 2.0",
            "Apache Software License, Version 2.0",
            "Apache Public License 2.0",
            "ASL 2.0",
            "ASL2",
            "AL 2.0",
            "AL2",
            "ALv2",
            "Apache2",
            "Apache-2",
        ),
    ),
    (
        "Apache-2.0",
        0.8,
        "the Apache Software License classifier names no version; Apache-2.0 assumed",
        ("Apache Software License", "The Apache Software License", "ASL"),
    ),
    (
        "Apache-1.1",
        0.9,
        None,
        ("Apache 1.1", "Apache License 1.1", "The Apache Software License, Version 1.1"),
    ),
    ("Apache-1.0", 0.9, None, ("Apache 1.0", "Apache License 1.0")),
    (
        "BSD-3-Clause",
        0.9,
        None,
        (
            "New BSD",
            "New BSD License",
            "Modified BSD",
            "Modified BSD License",
            "Revised BSD",
            "Revised BSD License",
            "BSD New",
            "BSD-3",
            "BSD3",
            "BSD 3-Clause",
            "BSD 3 Clause",
            "BSD (3 clause)",
            "BSD 3-Clause License",
            "3-Clause BSD",
            "3-clause BSD License",
            "Three-clause BSD",
            "BSD three-clause",
            'BSD 3-Clause "New" or "Revised" License',
            "BSD-3-Clause License",
            "Eclipse Distribution License 1.0",
            "Eclipse Distribution License - v 1.0",
            "EDL 1.0",
            "EDL-1.0",
        ),
    ),
    (
        "BSD-2-Clause",
        0.9,
        None,
        (
            "Simplified BSD",
            "Simplified BSD License",
            "BSD Simplified",
            "BSD-2",
            "BSD2",
            "BSD 2-Clause",
            "BSD 2 Clause",
            "BSD (2 clause)",
            "BSD 2-Clause License",
            "2-Clause BSD",
            "2-clause BSD License",
            "Two-clause BSD",
            "BSD two-clause",
            'BSD 2-Clause "Simplified" License',
        ),
    ),
    (
        # The FreeBSD Project's license is the two clauses plus the "views and conclusions"
        # sentence: SPDX's BSD-2-Clause-Views (formerly BSD-2-Clause-FreeBSD).
        "BSD-2-Clause-Views",
        0.9,
        None,
        ("FreeBSD License", "FreeBSD", "BSD 2-Clause FreeBSD License", "FreeBSD Copyright"),
    ),
    (
        "BSD-4-Clause",
        0.9,
        None,
        (
            "Original BSD",
            "Original BSD License",
            "BSD 4-Clause",
            "4-clause BSD",
            "BSD-4",
            "Old BSD",
        ),
    ),
    ("BSD-3-Clause-Clear", 0.9, None, ("Clear BSD", "Clear BSD License", "BSD 3-Clause Clear")),
    ("0BSD", 0.9, None, ("Zero-Clause BSD", "BSD Zero Clause", "BSD 0-Clause", "0-clause BSD")),
    ("ISC", 0.9, None, ("ISCL", "ISC License (ISCL)", "ISC Licence")),
    (
        "PSF-2.0",
        0.9,
        None,
        (
            "PSF",
            "PSFL",
            "PSF License",
            "PSF 2.0",
            "PSF-2",
            "Python Software Foundation",
            "Python Software Foundation License",
            "Python Software Foundation License 2.0",
            "Python Software Foundation License Version 2",
        ),
    ),
    ("Python-2.0", 0.9, None, ("Python License", "Python License 2.0")),
    ("CNRI-Python", 0.9, None, ("CNRI Python License", "Python License (CNRI Python License)")),
    ("Unlicense", 0.9, None, ("The Unlicense", "Unlicense (Unlicense)", "unlicense.org")),
    (
        "WTFPL",
        0.9,
        None,
        (
            "WTFPL 2",
            "WTFPL-2.0",
            "Do What The F*ck You Want To Public License",
            "Do What The Fuck You Want To Public License",
        ),
    ),
    ("Zlib", 0.9, None, ("zlib/libpng", "zlib/libpng License", "zlib License", "ZLIB/LIBPNG")),
    # SPDX lists the Repoze Public License as "BSD 3-Clause Modification".
    ("BSD-3-Clause-Modification", 0.9, None, ("Repoze Public License", "Repoze License")),
    (
        "CC0-1.0",
        0.9,
        None,
        (
            "CC0",
            "CC-0",
            "CC0 1.0",
            "CC0 1.0 Universal",
            "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",
            "CC0 Public Domain Dedication",
            "Creative Commons Zero",
            "Creative Commons Zero v1.0 Universal",
            "Creative Commons CC0",
            "Public Domain (CC0)",
            "Public Domain, per Creative Commons CC0",
        ),
    ),
    (
        "BSL-1.0",
        0.9,
        None,
        ("Boost", "Boost Software License", "Boost Software License 1.0", "Boost License 1.0"),
    ),
    ("BUSL-1.1", 0.9, None, ("Business Source License 1.1", "BSL 1.1", "BUSL")),
    ("Elastic-2.0", 0.9, None, ("Elastic License 2.0", "Elastic License v2", "ELv2")),
    (
        "SSPL-1.0",
        0.9,
        None,
        ("SSPL", "Server Side Public License", "Server Side Public License v1", "SSPL v1"),
    ),
    ("MS-PL", 0.9, None, ("Microsoft Public License",)),
    ("MS-RL", 0.9, None, ("Microsoft Reciprocal License",)),
    ("UPL-1.0", 0.9, None, ("UPL", "Universal Permissive License", "Universal Permissive 1.0")),
    ("BlueOak-1.0.0", 0.9, None, ("Blue Oak Model License", "Blue Oak Model License 1.0.0")),
    ("MulanPSL-2.0", 0.9, None, ("Mulan Permissive Software License v2", "MulanPSL2")),
    ("Beerware", 0.9, None, ("Beer-Ware", "Beer Ware", "THE BEER-WARE LICENSE")),
    ("PostgreSQL", 0.9, None, ("PostgreSQL License", "The PostgreSQL Licence")),
    ("NCSA", 0.9, None, ("University of Illinois/NCSA Open Source License", "UIUC")),
    ("OpenSSL", 0.9, None, ("OpenSSL License",)),
    ("Artistic-2.0", 0.9, None, ("Artistic License 2.0", "The Artistic License 2.0")),
    ("Artistic-1.0", 0.9, None, ("Artistic License 1.0",)),
    (
        "Artistic-1.0-Perl OR GPL-1.0-or-later",
        0.8,
        "Perl's own terms: the Artistic License 1.0 or the GPL, version 1 or later",
        ("Perl", "Perl 5", "perl_5", "Same as Perl", "Same terms as Perl itself", "Perl License"),
    ),
    ("OFL-1.1", 0.9, None, ("SIL OFL 1.1", "SIL Open Font License 1.1", "Open Font License 1.1")),
    ("OFL-1.0", 0.9, None, ("SIL OFL 1.0", "SIL Open Font License 1.0")),
    ("EUPL-1.2", 0.9, None, ("European Union Public Licence 1.2", "EUPL v1.2")),
    ("EUPL-1.1", 0.9, None, ("European Union Public Licence 1.1", "EUPL v1.1")),
    ("EUPL-1.0", 0.9, None, ("European Union Public Licence 1.0", "EUPL v1.0")),
    ("CECILL-2.1", 0.9, None, ("CeCILL", "CeCILL v2.1", "CeCILL-2.1 Free Software License")),
    ("CECILL-B", 0.9, None, ("CeCILL-B Free Software License Agreement", "CeCILL B")),
    ("CECILL-C", 0.9, None, ("CeCILL-C Free Software License Agreement", "CeCILL C")),
    ("HPND", 0.9, None, ("Historical Permission Notice and Disclaimer",)),
    ("NASA-1.3", 0.9, None, ("NASA Open Source Agreement v1.3",)),
    ("ZPL-2.1", 0.9, None, ("Zope Public License 2.1", "ZPL 2.1")),
    ("ZPL-2.0", 0.9, None, ("Zope Public License 2.0",)),
    ("Ruby", 0.9, None, ("Ruby License", "Ruby's License")),
    ("JSON", 0.9, None, ("The JSON License",)),
    (
        "Unicode-DFS-2016",
        0.9,
        None,
        ("Unicode License Agreement - Data Files and Software (2016)", "Unicode DFS 2016"),
    ),
    ("Unicode-3.0", 0.9, None, ("Unicode License v3", "Unicode License 3.0")),
    (
        "CDDL-1.1 OR GPL-2.0-only WITH Classpath-exception-2.0",
        0.8,
        "GlassFish's dual license (CDDL 1.1, or GPL 2.0 with the Classpath exception)",
        (
            "CDDL+GPL",
            "CDDL + GPL",
            "CDDL+GPL License",
            "CDDL + GPLv2 with classpath exception",
            "CDDL+GPLv2 with classpath exception",
            "CDDL/GPLv2+CE",
            "CDDL 1.1 + GPL 2.0 with classpath exception",
            "CDDL + GPLv2 with the classpath exception",
            "CDDL+GPL_1_1",
        ),
    ),
    (
        "GPL-2.0-only WITH Classpath-exception-2.0",
        0.9,
        None,
        (
            "GPL2 w/ CPE",
            "GPLv2+CE",
            "GPLv2 with Classpath Exception",
            "GPL 2.0 with classpath exception",
            "GNU General Public License, version 2, with the Classpath Exception",
            "GNU General Public License v2.0 w/Classpath exception",
            "GPL-2.0 with Classpath exception",
            "GPLv2 + CE",
        ),
    ),
    # Exceptions that projects describe in words rather than name. Each entry is one project
    # family's own wording, checked against the exception text its license file carries.
    (
        "GPL-2.0-only WITH Universal-FOSS-exception-1.0",
        0.8,
        'Oracle\'s "FOSS License Exception": the LICENSE.txt of its GPLv2 MySQL connectors'
        " names the Universal FOSS Exception, version 1.0",
        ("GNU GPLv2 (with FOSS License Exception)", "GPLv2 with FOSS License Exception"),
    ),
    (
        "GPL-2.0-only WITH GCC-exception-2.0",
        0.8,
        'libgit2\'s "linking exception" (pygit2, libgit2 bindings) is worded as the GCC'
        " exception 2.0",
        ("GPLv2 with linking exception",),
    ),
    (
        "GPL-2.0-or-later WITH Bootloader-exception",
        0.9,
        None,
        (
            # PyInstaller's License field; its COPYING.txt names the Bootloader Exception.
            "GPLv2-or-later with a special exception which allows to use PyInstaller to build"
            " and distribute non-free programs (including commercial ones)",
        ),
    ),
    (
        PUBLIC_DOMAIN_REF,
        0.7,
        "declared public domain: no SPDX id (check the license file)",
        (
            "Public Domain",
            "public-domain",
            "publicdomain",
            "PD",
            "Public Domain Dedication",
            "In the public domain",
            "Dedicated to the public domain",
            "License :: Public Domain",
        ),
    ),
    (
        COMMONS_CLAUSE_REF,
        0.9,
        "the Commons Clause forbids selling the software: source-available, not open source",
        ("Commons Clause", "Commons-Clause", "Commons Clause License Condition v1.0"),
    ),
)

# Names of a license family without a version: the most likely id, method "ambiguous".
_AMBIGUOUS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "BSD-3-Clause",
        '"BSD" names a family of licenses (2-, 3- and 4-clause); BSD-3-Clause assumed',
        ("BSD", "BSD License", "The BSD License", "BSD*"),
    ),
    ("Apache-2.0", f"Apache License: {_NO_VERSION}", ("Apache", "Apache License")),
    (
        "GPL-1.0-or-later",
        "GPL without a version: the GPL lets the recipient choose any version (GPL-2.0 section 9)",
        ("GPL", "General Public License", "GNU GPL", "GPL+", "GNU General Public License (GPL)"),
    ),
    (
        "LGPL-2.0-or-later",
        "LGPL without a version: the LGPL lets the recipient choose any version (LGPL-2.1 s. 14)",
        (
            "LGPL",
            "Lesser General Public License",
            "Library General Public License",
            "GNU LGPL",
            "LGPL+",
            "GNU Library or Lesser General Public License (LGPL)",
        ),
    ),
    (
        "AGPL-3.0-or-later",
        "AGPL without a version: any version the FSF published, i.e. 3.0 or later (AGPL s. 14)",
        ("AGPL", "Affero General Public License", "Affero GPL", "GNU AGPL"),
    ),
    (
        "GFDL-1.1-or-later",
        "GFDL without a version: any version may be chosen (GFDL section 10)",
        ("GFDL", "FDL", "Free Documentation License", "GNU Free Documentation License (FDL)"),
    ),
    ("MPL-2.0", f"Mozilla Public License: {_NO_VERSION}", ("MPL", "Mozilla Public License")),
    (
        "EPL-1.0",
        "Eclipse Public License without a version; EPL-1.0 assumed (the older, more common one)",
        ("EPL", "Eclipse Public License", "Eclipse"),
    ),
    (
        "CDDL-1.0",
        "CDDL without a version; CDDL-1.0 assumed",
        ("CDDL", "Common Development and Distribution License"),
    ),
    ("Artistic-2.0", f"Artistic License: {_NO_VERSION}", ("Artistic", "Artistic License")),
    ("EUPL-1.2", f"EUPL: {_NO_VERSION}", ("EUPL", "European Union Public Licence")),
    ("OFL-1.1", f"SIL Open Font License: {_NO_VERSION}", ("OFL", "SIL OFL", "SIL Open Font")),
    ("PHP-3.01", f"PHP License: {_NO_VERSION}", ("PHP", "PHP License")),
    ("Elastic-2.0", f"Elastic License: {_NO_VERSION}", ("Elastic", "Elastic License")),
    ("AFL-3.0", f"Academic Free License: {_NO_VERSION}", ("AFL", "Academic Free License")),
    ("ZPL-2.1", f"Zope Public License: {_NO_VERSION}", ("ZPL", "Zope Public License")),
    ("EFL-2.0", f"Eiffel Forum License: {_NO_VERSION}", ("EFL", "Eiffel Forum License")),
    ("APSL-2.0", f"Apple Public Source License: {_NO_VERSION}", ("APSL",)),
    ("Hippocratic-2.1", f"Hippocratic License: {_NO_VERSION}", ("Hippocratic License",)),
    ("CC-BY-4.0", f"Creative Commons Attribution: {_NO_VERSION}", ("CC-BY", "CC BY")),
    ("CC-BY-SA-4.0", f"CC BY-SA: {_NO_VERSION}", ("CC-BY-SA", "CC BY-SA")),
)

# Declarations that the package is not open source at all.
_PROPRIETARY_NAMES = (
    "Proprietary",
    "Proprietary License",
    "Commercial",
    "Commercial License",
    "Closed Source",
    "Closed",
    "Private",
    "All Rights Reserved",
    "Other/Proprietary",
    "Other/Proprietary License",
    "Proprietary/Other",
    "Non-free",
    "Freeware",
    "Free for non-commercial use",
    "Free For Educational Use",
    "Free For Home Use",
    "Free To Use But Restricted",
    "Microsoft Software License Terms",
    "Microsoft Software License",
    "EULA",
)

# The GNU families, generated: "GPLv2", "GPL-2", "GNU General Public License v2.0 only" ->
# -only (as SPDX reads the deprecated "GPL-2.0"); "GPLv2+", "... or later" -> -or-later.
_GNU_FAMILIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("GPL", ("GPL", "General Public", "GNU GPL", "GNU General Public"), ("1.0", "2.0", "3.0")),
    (
        "LGPL",
        ("LGPL", "Lesser General Public", "Library General Public", "Lesser GPL", "Library GPL"),
        ("2.0", "2.1", "3.0"),
    ),
    ("AGPL", ("AGPL", "Affero General Public", "Affero GPL"), ("1.0", "3.0")),
    ("GFDL", ("GFDL", "FDL", "Free Documentation"), ("1.1", "1.2", "1.3")),
)
# Other families whose versioned names map straight to "<id>-<version>".
_VERSIONED_FAMILIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("MPL", ("MPL", "Mozilla Public", "Mozilla"), ("1.0", "1.1", "2.0")),
    ("EPL", ("EPL", "Eclipse Public"), ("1.0", "2.0")),
    ("CDDL", ("CDDL", "Common Development and Distribution"), ("1.0", "1.1")),
    ("Apache", ("Apache", "Apache Software", "ASL", "AL"), ("1.0", "1.1", "2.0")),
    ("AFL", ("AFL", "Academic Free"), ("1.1", "1.2", "2.0", "2.1", "3.0")),
    ("OSL", ("OSL", "Open Software"), ("1.0", "1.1", "2.0", "2.1", "3.0")),
    ("EUPL", ("EUPL", "European Union Public"), ("1.0", "1.1", "1.2")),
    ("CPL", ("CPL", "Common Public"), ("1.0",)),
    ("IPL", ("IBM Public",), ("1.0",)),
    ("PHP", ("PHP",), ("3.0", "3.01")),
    ("LPPL", ("LPPL", "LaTeX Project Public"), ("1.0", "1.1", "1.2", "1.3a", "1.3c")),
)

# Exception names as met in the wild, besides the SPDX ids themselves.
_EXCEPTION_ALIASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Classpath-exception-2.0",
        (
            "Classpath exception",
            "the Classpath exception",
            "Classpath",
            "CPE",
            "CE",
            "GNU Classpath exception",
            "Classpath linking exception",
        ),
    ),
    ("LLVM-exception", ("LLVM exception", "LLVM exceptions", "LLVM")),
    (
        "GCC-exception-3.1",
        (
            "GCC Runtime Library exception",
            "GCC Runtime Library exception 3.1",
            "GCC runtime exception",
            "GCC Runtime Library Exception, version 3.1",
        ),
    ),
    ("Font-exception-2.0", ("Font exception",)),
    ("Autoconf-exception-3.0", ("Autoconf exception",)),
    ("Bison-exception-2.2", ("Bison exception",)),
    ("OpenJDK-assembly-exception-1.0", ("Assembly exception", "OpenJDK assembly exception")),
    ("Linux-syscall-note", ("Linux syscall note", "syscall note")),
    ("WxWindows-exception-3.1", ("wxWindows exception",)),
    (
        "Universal-FOSS-exception-1.0",
        ("Universal FOSS Exception", "Universal FOSS Exception, Version 1.0", "UFOSS exception"),
    ),
)

# Trove classifiers (the official list of License :: classifiers, including deprecated ones)
# and what each means. Unversioned family names take the same guesses as the aliases above.
_CLASSIFIERS: Mapping[str, tuple[str, float, str | None]] = {
    "License :: Aladdin Free Public License (AFPL)": ("Aladdin", 0.8, None),
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": ("CC0-1.0", 0.8, None),
    "License :: CeCILL-B Free Software License Agreement (CECILL-B)": ("CECILL-B", 0.8, None),
    "License :: CeCILL-C Free Software License Agreement (CECILL-C)": ("CECILL-C", 0.8, None),
    "License :: DFSG approved": (
        f"{_REF_PREFIX}dfsg-approved",
        0.3,
        "the classifier names no license, only that it meets the Debian guidelines",
    ),
    "License :: Eiffel Forum License (EFL)": ("EFL-2.0", 0.6, "no version given; EFL-2.0 assumed"),
    "License :: Free For Educational Use": (PROPRIETARY_REF, 0.8, "free for educational use only"),
    "License :: Free For Home Use": (PROPRIETARY_REF, 0.8, "free for home use only"),
    "License :: Free To Use But Restricted": (PROPRIETARY_REF, 0.8, "free to use, restricted"),
    "License :: Free for non-commercial use": (
        PROPRIETARY_REF,
        0.8,
        "free for non-commercial use only",
    ),
    "License :: Freely Distributable": (
        f"{_REF_PREFIX}freely-distributable",
        0.3,
        "the classifier names no license",
    ),
    "License :: Freeware": (PROPRIETARY_REF, 0.8, "freeware: no open source license"),
    "License :: GUST Font License 1.0": (f"{_REF_PREFIX}gust-font-license-1.0", 0.3, None),
    "License :: GUST Font License 2006-09-30": (
        f"{_REF_PREFIX}gust-font-license-2006-09-30",
        0.3,
        None,
    ),
    "License :: Netscape Public License (NPL)": ("NPL-1.1", 0.6, "no version given; 1.1 assumed"),
    "License :: Nokia Open Source License (NOKOS)": ("Nokia", 0.8, None),
    "License :: OSI Approved": (
        f"{_REF_PREFIX}osi-approved",
        0.3,
        "the classifier says OSI approved but names no license",
    ),
    "License :: OSI Approved :: Academic Free License (AFL)": (
        "AFL-3.0",
        0.6,
        "no version given; AFL-3.0 assumed",
    ),
    "License :: OSI Approved :: Apache Software License": (
        "Apache-2.0",
        0.7,
        "the classifier names no version; Apache-2.0 assumed",
    ),
    "License :: OSI Approved :: Apple Public Source License": (
        "APSL-2.0",
        0.6,
        "no version given; APSL-2.0 assumed",
    ),
    "License :: OSI Approved :: Artistic License": (
        "Artistic-2.0",
        0.5,
        "no version given; Artistic-2.0 assumed",
    ),
    "License :: OSI Approved :: Attribution Assurance License": ("AAL", 0.8, None),
    "License :: OSI Approved :: BSD License": (
        "BSD-3-Clause",
        0.4,
        '"BSD License" names a family of licenses (2-, 3- and 4-clause); BSD-3-Clause assumed',
    ),
    "License :: OSI Approved :: Blue Oak Model License (BlueOak-1.0.0)": (
        "BlueOak-1.0.0",
        0.8,
        None,
    ),
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": ("BSL-1.0", 0.8, None),
    "License :: OSI Approved :: CEA CNRS Inria Logiciel Libre License, version 2.1 (CeCILL-2.1)": (
        "CECILL-2.1",
        0.8,
        None,
    ),
    "License :: OSI Approved :: CMU License (MIT-CMU)": ("MIT-CMU", 0.8, None),
    "License :: OSI Approved :: Common Development and Distribution License 1.0 (CDDL-1.0)": (
        "CDDL-1.0",
        0.8,
        None,
    ),
    "License :: OSI Approved :: Common Public License": ("CPL-1.0", 0.8, None),
    "License :: OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)": ("EPL-1.0", 0.8, None),
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": ("EPL-2.0", 0.8, None),
    "License :: OSI Approved :: Educational Community License, Version 2.0 (ECL-2.0)": (
        "ECL-2.0",
        0.8,
        None,
    ),
    "License :: OSI Approved :: Eiffel Forum License": (
        "EFL-2.0",
        0.6,
        "no version given; EFL-2.0 assumed",
    ),
    "License :: OSI Approved :: European Union Public Licence 1.0 (EUPL 1.0)": (
        "EUPL-1.0",
        0.8,
        None,
    ),
    "License :: OSI Approved :: European Union Public Licence 1.1 (EUPL 1.1)": (
        "EUPL-1.1",
        0.8,
        None,
    ),
    "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": (
        "EUPL-1.2",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU Affero General Public License v3": (
        "AGPL-3.0-only",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": (
        "AGPL-3.0-or-later",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU Free Documentation License (FDL)": (
        "GFDL-1.1-or-later",
        0.4,
        "GFDL without a version: any version may be chosen (GFDL section 10)",
    ),
    "License :: OSI Approved :: GNU General Public License (GPL)": (
        "GPL-1.0-or-later",
        0.4,
        "GPL without a version: the GPL lets the recipient choose any version (GPL-2.0 s. 9)",
    ),
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": (
        "GPL-2.0-only",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": (
        "GPL-2.0-or-later",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": (
        "GPL-3.0-only",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": (
        "GPL-3.0-or-later",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": (
        "LGPL-2.0-only",
        0.7,
        'the classifier says v2; LGPL 2.0 ("Library") assumed, 2.1 is also possible',
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": (
        "LGPL-2.0-or-later",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": (
        "LGPL-3.0-only",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": (
        "LGPL-3.0-or-later",
        0.8,
        None,
    ),
    "License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)": (
        "LGPL-2.0-or-later",
        0.4,
        "LGPL without a version: the LGPL lets the recipient choose any version (LGPL-2.1 s. 14)",
    ),
    "License :: OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": (
        "HPND",
        0.8,
        None,
    ),
    "License :: OSI Approved :: IBM Public License": ("IPL-1.0", 0.8, None),
    "License :: OSI Approved :: ISC License (ISCL)": ("ISC", 0.8, None),
    "License :: OSI Approved :: Intel Open Source License": ("Intel", 0.8, None),
    "License :: OSI Approved :: Jabber Open Source License": (
        f"{_REF_PREFIX}jabber-open-source-license",
        0.3,
        "no SPDX id for the Jabber Open Source License",
    ),
    "License :: OSI Approved :: MIT License": ("MIT", 0.8, None),
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": ("MIT-0", 0.8, None),
    "License :: OSI Approved :: MITRE Collaborative Virtual Workspace License (CVW)": (
        f"{_REF_PREFIX}mitre-cvw-license",
        0.3,
        "no SPDX id for the MITRE CVW License",
    ),
    "License :: OSI Approved :: MirOS License (MirOS)": ("MirOS", 0.8, None),
    "License :: OSI Approved :: Motosoto License": ("Motosoto", 0.8, None),
    "License :: OSI Approved :: Mozilla Public License 1.0 (MPL)": ("MPL-1.0", 0.8, None),
    "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": ("MPL-1.1", 0.8, None),
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": ("MPL-2.0", 0.8, None),
    "License :: OSI Approved :: Mulan Permissive Software License v2 (MulanPSL-2.0)": (
        "MulanPSL-2.0",
        0.8,
        None,
    ),
    "License :: OSI Approved :: NASA Open Source Agreement v1.3 (NASA-1.3)": (
        "NASA-1.3",
        0.8,
        None,
    ),
    "License :: OSI Approved :: Nethack General Public License": ("NGPL", 0.8, None),
    "License :: OSI Approved :: Nokia Open Source License": ("Nokia", 0.8, None),
    "License :: OSI Approved :: Open Group Test Suite License": ("OGTSL", 0.8, None),
    "License :: OSI Approved :: Open Software License 3.0 (OSL-3.0)": ("OSL-3.0", 0.8, None),
    "License :: OSI Approved :: PostgreSQL License": ("PostgreSQL", 0.8, None),
    "License :: OSI Approved :: Python License (CNRI Python License)": (
        "CNRI-Python",
        0.8,
        None,
    ),
    "License :: OSI Approved :: Python Software Foundation License": ("PSF-2.0", 0.8, None),
    "License :: OSI Approved :: Qt Public License (QPL)": ("QPL-1.0", 0.8, None),
    "License :: OSI Approved :: Ricoh Source Code Public License": ("RSCPL", 0.8, None),
    "License :: OSI Approved :: SIL Open Font License 1.1 (OFL-1.1)": ("OFL-1.1", 0.8, None),
    "License :: OSI Approved :: Sleepycat License": ("Sleepycat", 0.8, None),
    "License :: OSI Approved :: Sun Industry Standards Source License (SISSL)": (
        "SISSL",
        0.8,
        None,
    ),
    "License :: OSI Approved :: Sun Public License": ("SPL-1.0", 0.8, None),
    "License :: OSI Approved :: The Unlicense (Unlicense)": ("Unlicense", 0.8, None),
    "License :: OSI Approved :: Universal Permissive License (UPL)": ("UPL-1.0", 0.8, None),
    "License :: OSI Approved :: University of Illinois/NCSA Open Source License": (
        "NCSA",
        0.8,
        None,
    ),
    "License :: OSI Approved :: Vovida Software License 1.0": ("VSL-1.0", 0.8, None),
    "License :: OSI Approved :: W3C License": ("W3C", 0.8, None),
    "License :: OSI Approved :: X.Net License": ("Xnet", 0.8, None),
    "License :: OSI Approved :: Zero-Clause BSD (0BSD)": ("0BSD", 0.8, None),
    "License :: OSI Approved :: Zope Public License": (
        "ZPL-2.1",
        0.6,
        "no version given; ZPL-2.1 assumed",
    ),
    "License :: OSI Approved :: zlib/libpng License": ("Zlib", 0.8, None),
    "License :: Other/Proprietary License": (PROPRIETARY_REF, 0.8, None),
    "License :: Public Domain": (PUBLIC_DOMAIN_REF, 0.7, "declared public domain: no SPDX id"),
    "License :: Repoze Public License": ("BSD-3-Clause-Modification", 0.8, None),
}
# Classifiers that only say "some license of this kind": ignored when a specific one is given.
_UMBRELLA_CLASSIFIERS = frozenset(
    {"License :: OSI Approved", "License :: DFSG approved", "License :: Freely Distributable"}
)

# Inputs that declare nothing. SPDX's NONE ("no license") and NOASSERTION ("not stated") both
# give an unresolved answer here; the resolver then keeps looking.
_NOTHING = frozenset(
    {
        "",
        "unknown",
        "noassertion",
        "none",
        "-",
        "--",
        "n/a",
        "na",
        "null",
        "nil",
        "undefined",
        "not specified",
        "unspecified",
        "not set",
        "?",
    }
)

# --------------------------------------------------------------------------------------------
# The alias key


_TRANSLATE = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-"}
)
_LEAD_IN = re.compile(
    r"^(?:this\s+(?:software|package|project|library|code)\s+is\s+)?"
    r"(?:licen[cs]ed|released|distributed|available|published|provided)"
    r"\s+under\s+(?:the\s+(?:terms\s+of\s+(?:the\s+)?)?)?"
)
_OR_LATER = re.compile(
    r"\s*,?\s*(?:or|and)\s+(?:any\s+)?(?:later|newer|greater|above|higher)\b"
    r"(?:\s+versions?)?(?:\s+of\s+(?:the|this)\s+licen[cs]e)?"
)
_DROP_WORDS = re.compile(
    r"\b(?:the|licen[cs]e[sd]?|version|ver|gnu|international|agreement|terms|unported)\b"
)


def _alias_key(text: str) -> str:
    """Fold a license name to a lookup key: case, punctuation, filler words and version forms.

    "GNU General Public License v2 or later" and "GPLv2+" both give "gpl 2.0+" once the
    family name is folded: aliases are stored under this same key, so any two spellings that
    fold alike match. Hyphens count as spaces, so SPDX ids fold like their spaced forms.
    """
    key = text.translate(_TRANSLATE).lower().strip()
    key = _LEAD_IN.sub("", key)
    key = re.sub(r"\(\s*>=\s*([0-9][0-9.]*)\s*\)", r" \1+", key)  # R style: "GPL (>= 2)"
    key = re.sub(r">=\s*([0-9][0-9.]*)", r" \1+", key)
    key = _OR_LATER.sub("+", key)
    key = re.sub(r"\bw/", " with ", key)
    key = re.sub(r"[\"'`()\[\]{},;:!?*]", " ", key)
    key = key.replace("_", " ").replace("-", " ")
    key = _DROP_WORDS.sub(" ", key)
    key = re.sub(r"(?<=[a-z])(?=\d)", " ", key)  # "gplv3" -> "gplv 3", "apache2" -> "apache 2"
    key = re.sub(r"(?:\bv|(?<=[a-z])v)\.?\s*(?=\d)", " ", key)  # "v 3", "gplv 3" -> " 3"
    # "2" -> "2.0", except the clause count of "BSD-2" and "BSD 3-Clause": "BSD 2.0" is not
    # a BSD license anybody wrote, so it must not fold into BSD-2-Clause.
    key = re.sub(r"(?<![\d.])(?<!bsd )(\d+)(?![\d.])", r"\1.0", key)
    key = re.sub(r"\s*\+", "+", key)
    return " ".join(key.split()).strip(" .")


@dataclass(frozen=True, slots=True)
class _Reading:
    """One piece of an answer: a tree, how it was found and how much it is trusted."""

    node: LicenseNode
    method: str
    confidence: float
    notes: tuple[str, ...] = ()


def _reading(expression: str, method: str, confidence: float, note: str | None) -> _Reading:
    """A reading of one of our own table entries (a canonical expression)."""
    return _Reading(parse_expression(expression), method, confidence, (note,) if note else ())


@functools.cache
def _alias_table() -> dict[str, _Reading]:
    """Alias key -> reading, for every alias, generated family name and SPDX id."""
    table: dict[str, _Reading] = {}

    def add(name: str, reading: _Reading) -> None:
        table.setdefault(_alias_key(name), reading)

    for expression, confidence, note, names in _ALIASES:
        reading = _reading(expression, "alias", confidence, note)
        for name in names:
            add(name, reading)
    for name in _PROPRIETARY_NAMES:
        add(name, _reading(PROPRIETARY_REF, "proprietary", CONFIDENCE["proprietary"], None))
    for family, names, versions in _GNU_FAMILIES:
        for name in names:
            for version in versions:
                only = _reading(f"{family}-{version}-only", "alias", 0.9, None)
                add(f"{name} {version}", only)
                add(f"{name} {version} only", only)
                add(
                    f"{name} {version}+",
                    _reading(f"{family}-{version}-or-later", "alias", 0.9, None),
                )
    for family, names, versions in _VERSIONED_FAMILIES:
        for name in names:
            for version in versions:
                add(f"{name} {version}", _reading(f"{family}-{version}", "alias", 0.9, None))
    for expression, note, names in _AMBIGUOUS:
        reading = _reading(expression, "ambiguous", CONFIDENCE["ambiguous"], note)
        for name in names:
            add(name, reading)
    _add_creative_commons(add)
    # Every SPDX id under its folded form: "Apache 2.0", "BSD 3 Clause", "CC BY-SA 4.0".
    tables = _tables()
    folded: dict[str, set[str]] = {}
    for canonical in tables.licenses.values():
        folded.setdefault(_alias_key(canonical), set()).add(canonical)
    for key, ids in folded.items():
        if len(ids) == 1 and key not in table:
            found = _resolve_id(next(iter(ids)))
            assert found is not None
            table[key] = _Reading(found[0], "alias", 0.9)
    return table


def _add_creative_commons(add: Callable[[str, _Reading], None]) -> None:
    """Creative Commons names in words: "Creative Commons Attribution-ShareAlike 4.0"."""
    words = {"BY": "attribution", "SA": "sharealike", "ND": "noderivatives", "NC": "noncommercial"}
    for canonical in _tables().licenses.values():
        match = re.fullmatch(r"CC-(BY(?:-NC)?(?:-ND|-SA)?)-(\d\.\d)", canonical)
        if match is None:
            continue
        parts, version = match.group(1).split("-"), match.group(2)
        reading = _Reading(LicenseLeaf(canonical), "alias", 0.9)
        spelled = " ".join(words[part] for part in parts)
        add(f"Creative Commons {spelled} {version}", reading)
        add(f"CC {' '.join(parts)} {version}", reading)
        if "ND" in parts:
            add(
                f"Creative Commons {spelled.replace('noderivatives', 'noderivs')} {version}",
                reading,
            )


@functools.cache
def _exception_table() -> dict[str, str]:
    """Alias key -> canonical exception id."""
    table = {_alias_key(name): name for name in _tables().exceptions.values()}
    for canonical, names in _EXCEPTION_ALIASES:
        for name in names:
            table.setdefault(_alias_key(name), canonical)
    return table


def _exception_id(text: str) -> str | None:
    return canonical_exception(text) or _exception_table().get(_alias_key(text))


# --------------------------------------------------------------------------------------------
# URLs (license URLs as data: what a package's metadata points at)

_URL = re.compile(r"^(?:https?://|www\.)\S+$|^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*$", re.I)
_GNU_CURRENT = {"gpl": "GPL-3.0", "lgpl": "LGPL-3.0", "agpl": "AGPL-3.0", "fdl": "GFDL-1.3"}
_URL_PATHS: Mapping[str, str] = {
    "apache.org/licenses/license-2.0": "Apache-2.0",
    "apache.org/licenses/license-1.1": "Apache-1.1",
    "apache.org/licenses/license-1.0": "Apache-1.0",
    "opensource.org/licenses/mit-license": "MIT",
    "opensource.org/licenses/apache2.0": "Apache-2.0",
    "opensource.org/licenses/bsd-license": "BSD-3-Clause",
    "opensource.org/licenses/bsd-3-clause": "BSD-3-Clause",
    "opensource.org/licenses/isc-license": "ISC",
    "opensource.org/licenses/gpl-license": "GPL-2.0-only",
    "opensource.org/licenses/lgpl-license": "LGPL-2.1-only",
    "mozilla.org/mpl/2.0": "MPL-2.0",
    "mozilla.org/en-us/mpl/2.0": "MPL-2.0",
    "mozilla.org/mpl/mpl-1.1": "MPL-1.1",
    "mozilla.org/mpl/1.1": "MPL-1.1",
    "mozilla.org/mpl/mpl-1.0": "MPL-1.0",
    "eclipse.org/legal/epl-v10": "EPL-1.0",
    "eclipse.org/legal/epl-v20": "EPL-2.0",
    "eclipse.org/legal/epl-2.0": "EPL-2.0",
    "eclipse.org/org/documents/edl-v10": "BSD-3-Clause",
    "unlicense.org": "Unlicense",
    "wtfpl.net": "WTFPL",
    "wtfpl.net/txt/copying": "WTFPL",
    "creativecommons.org/publicdomain/zero/1.0": "CC0-1.0",
    "creativecommons.org/publicdomain/mark/1.0": "CC-PDM-1.0",
    "json.org/license": "JSON",
    "boost.org/license_1_0": "BSL-1.0",
    "python.org/psf/license": "PSF-2.0",
}
# Pages of "the GPL" with no version in the URL: the same guesses as the bare names.
_URL_AMBIGUOUS: Mapping[str, str] = {
    "gnu.org/copyleft/gpl": "GPL",
    "gnu.org/copyleft/lesser": "LGPL",
    "gnu.org/copyleft/lgpl": "LGPL",
}


def _from_url(text: str) -> _Reading | None:
    """A license URL (OSI, SPDX, GNU, Apache, Mozilla, Eclipse, Creative Commons pages)."""
    match = re.match(r"^(?:https?://)?(?:www\.)?([^/\s?#]+)([^\s?#]*)", text.strip(), re.I)
    if match is None:
        return None
    host = match.group(1).lower()
    path = match.group(2).lower().rstrip("/")
    path = re.sub(r"(?:\.en)?\.(?:html?|txt|php|md|rst|xml)$", "", path)
    where = host + path
    confidence = CONFIDENCE["url"]
    if where in _URL_PATHS:
        return _reading(_URL_PATHS[where], "url", confidence, None)
    if where in _URL_AMBIGUOUS:
        return _alias_table()[_alias_key(_URL_AMBIGUOUS[where])]
    segments = [segment for segment in path.split("/") if segment]
    last = segments[-1] if segments else ""
    if host in ("spdx.org", "opensource.org", "choosealicense.com") and len(segments) == 2:
        if segments[0] in ("licenses", "license"):
            found = _resolve_id(segments[1])
            if found is not None:
                return _Reading(found[0], "url", confidence)
    if host == "gnu.org" and segments[:1] == ["licenses"]:
        family, _, version = last.partition("-")
        if family in _GNU_CURRENT:
            # The page of one GNU license text: the version, not "or later", is all it says.
            name = _GNU_CURRENT[family] if not version else f"{family.upper()}-{version}"
            found = _resolve_id("G" + name if name.startswith("FDL-") else name)
            if found is not None:
                note = "a GNU license page gives the version, not whether later ones apply"
                return _Reading(found[0], "url", 0.8, (note,))
    if host == "creativecommons.org" and len(segments) >= 3 and segments[0] == "licenses":
        found = _resolve_id(f"CC-{segments[1].upper()}-{segments[2]}")
        if found is not None:
            return _Reading(found[0], "url", confidence)
    if re.fullmatch(r"(?:licen[cs]e|copying)(?:[-_.][\w.-]+)?", last):
        note = f"the license is in a file the metadata links to: {text.strip()}"
        return _Reading(LicenseLeaf(SEE_LICENSE_FILE_REF), "unrecognized", 0.1, (note,))
    return None


# --------------------------------------------------------------------------------------------
# Whole license texts: the handful of common ones, by key phrases. A text with any clause
# beyond the known ones (a "good, not evil" line, a non-commercial rider, a patent or nuclear
# clause) is not matched: it stays an unknown license text. Texts are first matched against the
# SPDX templates by the license-file detector (licenses/detect.py); key phrases are the
# fallback for abridged texts the detector does not accept.

_RED_FLAGS = (
    "commons clause",
    "not evil",
    "non-commercial",
    "noncommercial",
    "non commercial",
    "nuclear",
    "military",
    "advertising",
    "patent",
    "views and conclusions",
    "acknowledg",
    "enhancements",
    "may not be used for",
    "shall not be used for",
)
_MIT_PHRASES = (
    "permission is hereby granted, free of charge, to any person obtaining a copy of this software",
    "the above copyright notice and this permission notice shall be included in all copies or "
    "substantial portions of the software",
    "the software is provided as is, without warranty of any kind",
)
_BSD_PHRASES = (
    "redistribution and use in source and binary forms, with or without modification, are "
    "permitted provided that the following conditions are met",
    "redistributions of source code must retain the above copyright notice",
    "redistributions in binary form must reproduce the above copyright notice",
)
_BSD_ENDORSE = re.compile(
    r"(?:may|shall) (?:not )?be used to endorse or promote products derived from this software"
)
_ISC_GRANT = re.compile(
    r"permission to use, copy, modify, (?:and/or|and) distribute this software for any purpose "
    r"with or without fee is hereby granted, provided that the above copyright notice and this "
    r"permission notice appear in all copies"
)
_ISC_DISCLAIMER = "the software is provided as is and the author disclaims all warranties"
_APACHE_HEADER = re.compile(
    r"licensed under the apache license,? version 2\.0(?: \(the license\))?; you may not use "
    r"this file except in compliance with the license"
)
_APACHE_TITLE = "apache license version 2.0, january 2004"
_APACHE_TERMS = "terms and conditions for use, reproduction, and distribution"
_APACHE_LAST_SECTION = "of your accepting any such warranty or additional liability."
_APACHE_APPENDIX = re.compile(
    r"^\s*(?:end of terms and conditions)?\s*(?:appendix: how to apply the apache license to your "
    r"work\..*limitations under the license\.)?\s*$"
)


def _looks_like_text(text: str) -> bool:
    if "\n" in text and len(text) > 80:
        return True
    return len(text) > 200 and bool(
        re.search(r"\b(?:permission|redistribution|warrant|granted|licensed under)", text, re.I)
    )


def _fold_text(text: str) -> str:
    """Lower case, no comment markers or quotes, single spaces: the form phrases match in."""
    folded = text.translate(_TRANSLATE).lower()
    folded = re.sub(r"(?m)^\s*(?:#+|//+|/?\*+/?|;+|--|rem\b|!)", " ", folded)
    folded = re.sub(r"[\"'`]", "", folded)
    return " ".join(folded.split())


def _from_text(text: str) -> _Reading:
    """A whole license text: matched against the SPDX templates (licenses/detect.py), else
    recognized by key phrases; anything with extra terms stays an unknown license text."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF, detect_license_text

    detection = detect_license_text(text)
    if detection.expression is not None:
        outside = _lines_outside(text, [(m.start_line, m.end_line) for m in detection.matches])
        flags = [flag for flag in _RED_FLAGS if flag in _fold_text(outside)]
        if UNKNOWN_TEXT_REF in detection.expression or flags:
            # Part of the text is no license we know, or says more than the licenses do.
            note = "a license text with terms beyond the licenses it contains"
            if detection.note:
                note = f"{note} ({detection.note})"
            return _Reading(LicenseLeaf(LICENSE_TEXT_REF), "unrecognized", 0.1, (note,))
        # As sure as a key-phrase reading when the text matches its template exactly.
        confidence = round(CONFIDENCE["text"] * detection.score, 3)
        note = f"{detection.expression} matched the SPDX license text (score {detection.score})"
        return _Reading(parse_expression(detection.expression), "text", confidence, (note,))
    folded = _fold_text(text)
    matched = _match_text(folded)
    if matched is None:
        note = "a license text that is not one of the few recognized by key phrases"
        return _Reading(LicenseLeaf(LICENSE_TEXT_REF), "unrecognized", 0.1, (note,))
    note = f"{matched} recognized from the license text by its key phrases"
    return _Reading(LicenseLeaf(matched), "text", CONFIDENCE["text"], (note,))


def _lines_outside(text: str, spans: list[tuple[int, int]]) -> str:
    """The lines of ``text`` outside the 1-based, inclusive line ``spans``."""
    return "\n".join(
        line
        for number, line in enumerate(text.splitlines(), 1)
        if not any(first <= number <= last for first, last in spans)
    )


def _match_text(folded: str) -> str | None:
    """The SPDX id of a common license text, or ``None``."""
    if _APACHE_TERMS in folded and _APACHE_LAST_SECTION in folded:
        # The full text: it must start the field and end it (the appendix aside), or the
        # field bundles other licenses with it (typeshed's, mypy's LICENSE files do).
        tail = folded[folded.rindex(_APACHE_LAST_SECTION) + len(_APACHE_LAST_SECTION) :]
        starts = 0 <= folded.find(_APACHE_TITLE) < 300
        own = not any(flag in folded for flag in _RED_FLAGS if flag != "patent")
        return "Apache-2.0" if starts and own and _APACHE_APPENDIX.match(tail) else None
    if any(flag in folded for flag in _RED_FLAGS):
        return None
    if _APACHE_HEADER.search(folded) and len(folded) < 1500:
        return "Apache-2.0"
    if all(phrase in folded for phrase in _MIT_PHRASES) and len(folded) < 1600:
        return "MIT"
    if all(phrase in folded for phrase in _BSD_PHRASES) and len(folded) < 2200:
        if _BSD_ENDORSE.search(folded):
            return "BSD-3-Clause"
        return None if "endorse" in folded else "BSD-2-Clause"
    if _ISC_GRANT.search(folded) and _ISC_DISCLAIMER in folded and len(folded) < 1200:
        return "ISC"
    return None


# --------------------------------------------------------------------------------------------
# Single terms and compound strings

_SEE_LICENSE_IN = re.compile(r"^see\s+licen[cs]e\s+in\s+(?P<file>.+?)\.?$", re.IGNORECASE)
_SEE_FILE = re.compile(
    r"^(?:(?:please\s+)?(?:see|refer\s+to|read|check)\s+)?(?:the\s+)?"
    r"(?:(?:included|attached|accompanying|bundled|enclosed)\s+)?(?:file\s+)?"
    r"(?P<file>(?:licen[cs]e|copying|notice)(?:[-_.][\w.-]+)?)(?:\s+file)?"
    r"(?:\s+for\s+(?:details|more\s+information))?\.?$",
    re.IGNORECASE,
)
_ALL_RIGHTS_RESERVED = re.compile(r"\ball\s+rights\s+reserved\b", re.IGNORECASE)
_SEE_FILE_SUFFIX = re.compile(
    r"\s*[,;.(]?\s*see\s+(?:the\s+)?(?:licen[cs]e|copying)(?:\.\w+)?(?:\s+file)?"
    r"(?:\s+for\s+details)?\s*\)?\.?$",
    re.IGNORECASE,
)
_DANGLING = re.compile(r"^\s*(?:and|or|with)\s+|\s+(?:and|or|with)\s*$", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)
def _term(text: str) -> _Reading | None:
    """One license named on its own (no list separators), or ``None`` if not recognized."""
    text = text.strip().strip(",;").strip()
    if not text:
        return None
    found = _resolve_id(text)
    if found is not None:
        node, method = found
        return _Reading(node, method, CONFIDENCE[method])
    key = _alias_key(text)
    if key in _alias_table():
        return _alias_table()[key]
    if _URL.match(text):
        return _from_url(text)
    parenthetical = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", text)
    if parenthetical is not None:
        return _name_and_abbreviation(parenthetical.group(1), parenthetical.group(2))
    with_parts = re.split(r"\s+with\s+|\s+w/\s*", text, maxsplit=1, flags=re.IGNORECASE)
    # Only "<license> with <one exception>": operators after WITH belong to an expression.
    if len(with_parts) == 2 and not re.search(r"\s(?:or|and)\s|[()]", with_parts[1], re.I):
        return _with(with_parts[0], with_parts[1])
    return None


def _name_and_abbreviation(name: str, inside: str) -> _Reading | None:
    """ "Mozilla Public License 2.0 (MPL 2.0)": both parts must name the same license.

    The parentheses may also qualify the name ("MIT (non-commercial use only)"): reading the
    name alone would drop a restriction, so anything but agreement is not recognized. When the
    name is a family guess and the parentheses are specific ("BSD License (BSD-2-Clause)"),
    the specific one wins.
    """
    outer, inner = _term(name), _term(inside)
    if outer is None or inner is None:
        return None
    if outer.node == inner.node:
        chosen = min(outer, inner, key=lambda reading: _METHOD_RANK[reading.method])
    elif outer.method == "ambiguous" and inner.method != "ambiguous":
        chosen = inner
    else:
        return None
    method = _weakest(chosen.method, "alias")
    return _Reading(chosen.node, method, min(chosen.confidence, CONFIDENCE[method]), chosen.notes)


def _with(license_text: str, exception_text: str) -> _Reading | None:
    """``license WITH exception``; an unknown "exception" becomes an AND-ed unknown key.

    SPDX exceptions only add permissions, so a policy may judge ``X WITH E`` as ``X``. A
    modifier we cannot vouch for (the Commons Clause is a restriction written like one) must
    not get that treatment: it is kept as a license of its own that every policy must accept.
    """
    base = _term(license_text)
    if base is None:
        return None
    exception = _exception_id(exception_text)
    if exception is not None:
        if not isinstance(base.node, LicenseLeaf) or base.node.exception is not None:
            return None
        node: LicenseNode = LicenseLeaf(base.node.key, exception)
        if canonical_exception(exception_text) is not None:
            return _Reading(node, base.method, base.confidence, base.notes)
        # The exception was named in words ("classpath exception"): an alias reading.
        method = _weakest(base.method, "alias")
        return _Reading(node, method, min(base.confidence, CONFIDENCE["alias"]), base.notes)
    rider = _term(exception_text)
    if rider is not None and rider.node == LicenseLeaf(COMMONS_CLAUSE_REF):
        return _Reading(
            _combine(AllOf, (base.node, rider.node)),
            _weakest(base.method, rider.method),
            min(base.confidence, rider.confidence),
            base.notes + rider.notes,
        )
    unknown = LicenseLeaf(_slug_ref(exception_text))
    note = f"{exception_text.strip()!r} is not an SPDX exception; kept as a license of its own"
    return _Reading(_combine(AllOf, (base.node, unknown)), "unrecognized", 0.1, (note,))


def _weakest(*methods: str) -> str:
    return max(methods, key=lambda method: _METHOD_RANK[method])


def _merge(kind: type[AnyOf] | type[AllOf], readings: list[_Reading]) -> _Reading:
    notes = tuple(dict.fromkeys(note for reading in readings for note in reading.notes))
    return _Reading(
        _combine(kind, (reading.node for reading in readings)),
        _weakest(*(reading.method for reading in readings)),
        min(reading.confidence for reading in readings),
        notes,
    )


def _from_expression(text: str) -> tuple[_Reading | None, _Reading | None]:
    """Read ``text`` as an expression (AND/OR/WITH, parentheses), mapping each key as a term.

    Returns (complete reading, partial reading): the first when every key was recognized, the
    second (unrecognized keys as LicenseRefs) when at least one was.
    """
    parsed = _parse(text)
    if parsed is None:
        return None, None
    readings: list[_Reading] = []
    missing: list[str] = []

    def leaf(key: str, exception: str | None) -> LicenseNode:
        reading = _term(key) if exception is None else _with(key, exception)
        if reading is None:
            raw = key if exception is None else f"{key} WITH {exception}"
            missing.append(raw)
            return LicenseLeaf(_slug_ref(raw))
        readings.append(reading)
        return reading.node

    try:
        node = _convert(parsed, leaf)
    except ValueError:
        return None, None
    methods = [reading.method for reading in readings]
    notes = tuple(dict.fromkeys(note for reading in readings for note in reading.notes))
    if not missing:
        confidence = min(reading.confidence for reading in readings)
        return _Reading(node, _weakest(*methods), confidence, notes), None
    if not readings:
        return None, None
    note = "not recognized: " + ", ".join(repr(raw) for raw in missing)
    return None, _Reading(node, "unrecognized", CONFIDENCE["unrecognized"], (*notes, note))


# Separators of a license list in prose, loosest first. A comma, "and", "&" or "+" lists
# licenses that all apply, unless the text says the licenses are a choice ("dual licensed"):
# being conservative, a list is AND (a policy must accept every license) unless the words say
# "or". A slash reads as OR: "MIT/Apache-2.0" was Cargo's documented dual-license syntax and
# "Dual MIT/GPL" the npm one; "MIT/X11" and "zlib/libpng" are names, matched before splitting.
_LEVELS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(\s+or\s+|\s*\|\s*|\s+and/or\s+)", re.IGNORECASE), "or"),
    (re.compile(r"(\s+and\s+|\s*[,;&]\s*|\s+\+\s+|\s+plus\s+)", re.IGNORECASE), "and"),
    (re.compile(r"(\s*/\s*)"), "slash"),
)
_DUAL = re.compile(
    r"^\s*(?:(?:this\s+\w+\s+is\s+)?(?:dual|multi)[- ]?licen[cs](?:ed|e)(?:\s+(?:under|as))?"
    r"|dual\b|multiple\s+licen[cs]es)\s*:?\s*(?:the\s+)?",
    re.IGNORECASE,
)


def _from_prose(text: str) -> _Reading | None:
    """A list of licenses in words: "MIT or Apache 2.0", "Apache-2.0, MIT", "Dual MIT/GPL"."""
    dual = _DUAL.match(text)
    if dual is not None:
        text = text[dual.end() :]
    text = re.sub(r"\bw/\s*", " with ", text, flags=re.IGNORECASE)
    reading = _split(text.strip(), 0, dual is not None)
    if reading is None:
        return None
    notes = reading.notes
    if dual is not None:
        notes = (*notes, '"dual" licensing: the listed licenses are a choice (OR)')
    return _Reading(reading.node, reading.method, min(reading.confidence, 0.8), notes)


def _split(text: str, level: int, dual: bool) -> _Reading | None:
    if level == len(_LEVELS):
        return _term(text)
    pattern, kind = _LEVELS[level]
    pieces = pattern.split(text)
    parts, separators = pieces[0::2], pieces[1::2]
    if len(parts) == 1:
        return _term(text) or _split(text, level + 1, dual)
    if len(parts) > 12:
        return None

    @functools.cache
    def solve(start: int) -> tuple[_Reading, ...] | None:
        """Readings for parts[start:], grouping contiguous parts, longest group first."""
        if start == len(parts):
            return ()
        if not parts[start].strip():
            return solve(start + 1)  # "MIT," or "MIT and": a trailing separator
        for end in range(len(parts), start, -1):
            chunk = "".join(
                part + (separators[index] if index < end - 1 else "")
                for index, part in enumerate(parts[start:end], start)
            )
            reading = _term(chunk) if end - start > 1 else None
            if reading is None:
                reading = _split(chunk, level + 1, dual)
            if reading is None:
                continue
            rest = solve(end)
            if rest is not None:
                return (reading, *rest)
        return None

    readings = solve(0)
    if not readings:
        return None  # nothing recognized, or only separators
    if len(readings) == 1:
        return readings[0]
    operator: type[AnyOf] | type[AllOf] = AnyOf
    note = None
    confidence = 0.8
    if kind == "and" and not dual:
        operator = AllOf
        note = "a list of licenses read as all applying (AND)"
        confidence = 0.7
    elif kind == "slash":
        note = 'a "/" between licenses read as a choice (OR)'
        confidence = 0.7
    merged = _merge(operator, list(readings))
    notes = merged.notes + ((note,) if note else ())
    # Reading prose is never plain SPDX, even when every part is an SPDX id.
    method = _weakest(merged.method, "alias")
    return _Reading(merged.node, method, min(merged.confidence, confidence), notes)


# "<main license>; partially licensed under <other>", "<main>, with portions under <other>",
# "<main> (some files under <other>)": a part of the package under another license.
_PORTIONS = re.compile(
    r"^(?P<main>.+?)\s*[;,(]?\s*(?:with\s+|and\s+)?"
    r"(?:partially|partly|portions?|parts?|some\s+(?:files|parts|code|modules))"
    r"(?:\s+(?:of\s+it|of\s+the\s+code))?\s+(?:are\s+|is\s+)?(?:licensed\s+)?under\s+"
    r"(?:the\s+)?(?P<part>.+?)\)?\.?$",
    re.IGNORECASE,
)


def _with_portions(text: str) -> _Reading | None:
    """A main license with a part of the package under another: both apply (AND), each read
    as a license name; ``None`` unless both are recognized."""
    found = _PORTIONS.match(text)
    if found is None:
        return None
    readings = []
    for piece in (found.group("main"), found.group("part")):
        reading = _term(piece.strip(" ,;()")) or _from_expression(piece.strip(" ,;()"))[0]
        if reading is None or reading.method not in ("spdx", "deprecated", "alias"):
            return None
        readings.append(reading)
    merged = _merge(AllOf, readings)
    note = "a part of the package is under another license: both apply (AND)"
    return _Reading(merged.node, merged.method, min(merged.confidence, 0.85), (*merged.notes, note))


def _slug_ref(raw: str) -> str:
    """``LicenseRef-ospo-<slug>`` for free text: SPDX idstring characters only, kept short."""
    slug = re.sub(r"[^a-z0-9.]+", "-", raw.lower()).strip("-.")
    if not slug:
        slug = "unnamed"
    if len(slug) > 40:
        digest = hashlib.sha1(raw.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
        slug = f"{slug[:31].rstrip('-.')}-{digest}"
    return _REF_PREFIX + slug


# --------------------------------------------------------------------------------------------
# Entry points


@functools.lru_cache(maxsize=16384)
def normalize(raw: str) -> Normalized:
    """Read one declared license string as a canonical SPDX expression.

    Handles SPDX expressions of any shape (case-insensitive, deprecated ids replaced), PEP 639
    License-Expression values, the aliases met in package metadata, lists in prose, license
    URLs, npm's ``UNLICENSED`` and ``SEE LICENSE IN <file>``, and the most common whole license
    texts. Returns ``expression=None`` when the input declares nothing; anything unrecognized
    becomes a ``LicenseRef-ospo-...`` key with method ``"unrecognized"``. Never raises.
    """
    text = raw.strip()
    if text.startswith(("'", '"')) and text.endswith(text[0]) and len(text) > 1:
        text = text[1:-1].strip()
    if text.lower() in _NOTHING:
        method = "spdx" if text.upper() in ("NONE", "NOASSERTION") else "unrecognized"
        return Normalized(None, 0.0, method, raw, "declares no license")
    if text.lower() in ("unlicensed", "unlicenced"):
        # npm: "UNLICENSED" means the package is not licensed for use by others.
        note = "UNLICENSED: not licensed for use by others (npm)"
        return Normalized(PROPRIETARY_REF, CONFIDENCE["proprietary"], "proprietary", raw, note)
    see = _SEE_LICENSE_IN.match(text) or _SEE_FILE.match(text)
    if see is not None:
        note = f"the license is in the package's file {see.group('file')!r}"
        return Normalized(SEE_LICENSE_FILE_REF, 0.1, "unrecognized", raw, note)
    if _looks_like_text(text):
        return _finish(_from_text(text), raw)
    # A dangling operator ("MIT OR", "and Apache-2.0") or a pointer to the license file
    # ("MIT License, see LICENSE file") says nothing more than the rest.
    trimmed = _SEE_FILE_SUFFIX.sub("", text)
    trimmed = _DANGLING.sub("", trimmed).strip(" ,;") or text
    repaired, text = trimmed != text, trimmed
    partial = None
    if _DUAL.match(text):
        # "Dual licensed under MIT and GPL": the words make the list a choice.
        reading = _from_prose(text)
    else:
        reading = _with_portions(text) or _term(text)
        if reading is None:
            reading, partial = _from_expression(text)
        if reading is None:
            reading = _from_prose(text)
    if reading is None and _ALL_RIGHTS_RESERVED.search(text):
        note = '"all rights reserved" and no license named'
        reading = _Reading(LicenseLeaf(PROPRIETARY_REF), "proprietary", 0.6, (note,))
    if reading is None:
        reading = partial
    if reading is None and _only_copyright(text):
        # "Copyright 2011-2017 Ann <ann@example.org>" in a license field names the holder,
        # not the terms: the resolver keeps looking (the license files, typically).
        return Normalized(None, 0.0, "unrecognized", raw, "a copyright notice, not a license")
    if reading is None:
        note = "not a license name, SPDX expression or URL that ospo-scan recognizes"
        reading = _Reading(LicenseLeaf(_slug_ref(text)), "unrecognized", 0.1, (note,))
    elif repaired:
        method = _weakest(reading.method, "alias")
        reading = _Reading(reading.node, method, min(reading.confidence, 0.9), reading.notes)
    return _finish(reading, raw)


# Words that make a "copyright" line more than a notice: it names terms after all ("Copyright
# 2019 Ann, licensed under MIT"), which is for a person to read, not to drop.
_TERMS_WORDS = re.compile(
    r"\b(?:licen[cs]\w*|mit|bsd|[al]?gpl|apache|mpl|isc|public\s+domain|unlicense|cc0|cc-by"
    r"|epl|wtfpl|zlib|psf|python|permission|free\s+software|open\s+source)\b",
    re.IGNORECASE,
)


def _only_copyright(text: str) -> bool:
    """Whether every line of ``text`` is a copyright notice ("Copyright 2020 Ann", "(c) Bob")
    that names no terms."""
    from ospo_scan.licenses.detect import is_copyright_line

    lines = [line for line in text.splitlines() if line.strip()]
    return (
        bool(lines)
        and all(is_copyright_line(line) for line in lines)
        and _TERMS_WORDS.search(text) is None
    )


def _finish(reading: _Reading, raw: str) -> Normalized:
    node = _pin_riders(reading.node)
    notes = reading.notes
    if node != reading.node:
        notes = (*notes, "the Commons Clause restricts the licenses it is listed with (AND)")
    note = "; ".join(notes) or None
    return Normalized(render(node), reading.confidence, reading.method, raw, note)


def _pin_riders(node: LicenseNode) -> LicenseNode:
    """An OR that offers the Commons Clause as an option becomes an AND.

    The Commons Clause is a restriction added to another license, never a license to choose
    instead of it: "Apache-2.0 / Commons Clause" must not let a policy elect Apache-2.0.
    """
    if isinstance(node, LicenseLeaf):
        return node
    items = tuple(_pin_riders(item) for item in node.items)
    if isinstance(node, AnyOf) and LicenseLeaf(COMMONS_CLAUSE_REF) in items:
        return _combine(AllOf, items)
    return _combine(type(node), items)


def from_classifiers(classifiers: Iterable[str]) -> Normalized | None:
    """The license that a package's trove classifiers state, or ``None`` if none does.

    Several license classifiers combine with AND: without the package saying they are a
    choice, a policy must accept all of them (the conservative reading). "License :: OSI
    Approved" alone names no license and gives an unknown key; it is dropped when a specific
    classifier is present. Method ``"classifier"``; confidence below that of an SPDX string.
    """
    licenses = [
        " :: ".join(part.strip() for part in classifier.split("::"))
        for classifier in classifiers
        if classifier.strip().startswith("License ::")
    ]
    licenses = list(dict.fromkeys(licenses))
    if not licenses:
        return None
    specific = [item for item in licenses if item not in _UMBRELLA_CLASSIFIERS]
    chosen = specific or licenses
    readings = [_classifier(item) for item in chosen]
    merged = _merge(AllOf, readings)
    method = merged.method if merged.method in ("proprietary", "unrecognized") else "classifier"
    note = "; ".join(merged.notes) or None
    return Normalized(render(merged.node), merged.confidence, method, "\n".join(licenses), note)


def _classifier(classifier: str) -> _Reading:
    known = _CLASSIFIERS.get(classifier)
    if known is not None:
        expression, confidence, note = known
        method = "proprietary" if expression == PROPRIETARY_REF else "classifier"
        return _reading(expression, method, confidence, note)
    # A classifier newer than our table: the SPDX id in its parentheses, else its name.
    name = classifier.rsplit("::", 1)[-1].strip()
    abbreviation = re.search(r"\(([^()]+)\)\s*$", name)
    for candidate in (abbreviation.group(1) if abbreviation else None, name):
        if candidate:
            reading = _term(candidate)
            if reading is not None and reading.method != "unrecognized":
                confidence = min(reading.confidence, CONFIDENCE["classifier"])
                return _Reading(reading.node, "classifier", confidence, reading.notes)
    note = f"unknown classifier {classifier!r}"
    return _Reading(LicenseLeaf(_slug_ref(name)), "unrecognized", 0.1, (note,))
