"""npm registry resolver: the license of one version from its per-version package document.

When the document names no license, or says ``SEE LICENSE IN <file>``, the license file is
read out of the version's tarball (``dist.tarball``) and matched against the SPDX license
texts (licenses/detect.py). A package with neither a license field nor a license file may
state its license in the README's "License" section: a clear, short one naming one license
is read (``readme.readme_license``). A GNU license declared by a bare version ("LGPL-3.0", which
SPDX reads as ``-only``) is checked against the "or any later version" notice of the
tarball's license files.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from packageurl import PackageURL

from ospo_scan.licenses.http import RegistryResponseError, RegistryUnavailable
from ospo_scan.licenses.readme import README_NAME, license_section, readme_license
from ospo_scan.licenses.registries.base import (
    LICENSE_FOLDER,
    LOW_CONFIDENCE,
    README_METHOD,
    TEXT_METHOD,
    resolution_from,
    source_header_answer,
)
from ospo_scan.licenses.settle import (
    NOTICE_CHARS,
    combination,
    is_test_source,
    names_public_domain,
    read_license_files,
    without_absent_folders,
)
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from collections.abc import Callable

    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.detect import Detection
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

logger = logging.getLogger(__name__)

SOURCE = "registry:npm"
# "Not found" may change (a mirror catches up, a package is published under a name we asked
# too early): cache it for an hour only. A published version's document never changes (npm
# refuses to republish a version), so the other answers are kept until the schema changes.
NOT_FOUND_TTL = 3600.0

# License files read out of a tarball, by "<tarball URL>#<file wanted>" (a published tarball
# never changes; an unreadable one may be fixed by a mirror: a day).
NS_LICENSE_FILES = "npm:license-files"
UNREADABLE_TTL = 24 * 3600.0
# How much of a tarball is fetched (a Range request; license files sit near the start of
# most tarballs, and a cut-off tarball still yields the members before the cut).
MAX_TARBALL_BYTES = 16 * 1024 * 1024
# The same for a clear declaration of a single license, which the files may only refine
# (``DECLARED``): the first 256 KiB hold the top-level license files of about 94% of
# tarballs; without them the declaration stands.
DECLARED_TARBALL_BYTES = 256 * 1024
MAX_LICENSE_FILES = 4
# A tarball without license files: the opening comments of this many of its top-level
# scripts (the package root's, then an index in lib/, dist/ or src/) are read for what they
# state (``headers.source_license``).
MAX_HEADER_SOURCES = 4
MAX_LICENSE_TEXT = 256 * 1024
# License files at the package root when package.json names none (npm's own list of files
# always packed: LICENSE and LICENCE with any extension; COPYING and UNLICENSE are common).
# License files by name: LICENSE, COPYING, UNLICENSE (with a suffix: LICENSE-MIT, LICENSE.md),
# and a vendor's end-user license agreement (EULA.txt, TESTCAFE_EULA.txt).
LICENSE_FILE_NAME = re.compile(
    r"(?i)^(?:(?:licen[cs]e|copying|unlicen[cs]e)|(?:[\w-]+[-_.])?eula)(?:[-._][\w.-]*)?$"
)
_SEE_LICENSE_IN = re.compile(r"^\s*see\s+licen[cs]e\s+in\s+(?P<file>.+?)\s*$", re.IGNORECASE)


class NpmResolver:
    """Reads ``license`` (or the legacy ``licenses``) from ``<endpoint>/<name>/<version>``.

    The per-version document is the version's package.json as published (a few KB), unlike the
    full packument with every version (MBs for popular packages).
    """

    ecosystem = "npm"

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the component's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the registry cannot be reached; a
        404, an unexpected status or a malformed body become unresolved resolutions.
        """
        url = document_url(component, endpoint)
        if url is None:
            return Resolution(None, SOURCE, 0.0, (), "no pinned version to look up")
        try:
            document = http.get_json(url)
        except RegistryResponseError as exc:
            # Not cached: a broken answer is as likely to be a proxy hiccup as the registry.
            reason = (
                "malformed registry response"
                if exc.status is None
                else f"unexpected HTTP {exc.status} from the npm registry"
            )
            return Resolution(None, SOURCE, 0.0, (Evidence(SOURCE, exc.problem, url),), reason)
        if document is None:
            resolution = Resolution(None, SOURCE, 0.0, (), "not found in the npm registry")
            cache.put_resolution(component.purl, resolution, ttl=NOT_FOUND_TTL)
            return resolution
        if not isinstance(document, dict):
            evidence = (Evidence(SOURCE, type(document).__name__, url),)
            return Resolution(None, SOURCE, 0.0, evidence, "malformed registry response")
        resolution = resolution_from_document(document, url)
        wanted = files_wanted(document)
        tarball = _tarball_url(document)
        gnu_open = _gnu_version_open(document)
        if tarball is not None and (wanted is not None or gnu_open):
            from_file = _from_license_files(http, cache, tarball, wanted, resolution, gnu_open)
            if from_file is None:
                # The tarball could not be reached: answer from the document, uncached.
                return resolution
            resolution = from_file
        cache.put_resolution(component.purl, resolution)
        return resolution


def document_url(component: Component, endpoint: str) -> str | None:
    """``<endpoint>/<name>/<version>``, scoped names as ``@scope%2Fname``; None if unpinned.

    The registry takes a scoped name as one path segment with its slash escaped (npm's
    registry API: "/@scope%2fname"), and so do the mirrors (Verdaccio, Artifactory, Nexus).
    """
    try:
        purl = PackageURL.from_string(component.purl)
    except ValueError:
        purl = None
    if purl is not None:
        name = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
        # packageurl-python lowercases npm names when parsing, but the registry is
        # case-sensitive (JSONStream is not jsonstream): take the case the lockfile wrote.
        if component.name.lower() == name.lower():
            name = component.name
        version = purl.version
    else:
        name, version = component.name, component.version
    if not version:
        return None
    # "%2F" and the npm client's "%2f" are the same octet (RFC 3986 section 2.1), and requests
    # upper-cases percent-escapes anyway.
    return f"{endpoint.rstrip('/')}/{quote(name, safe='@')}/{quote(version, safe='')}"


def resolution_from_document(document: dict[str, Any], url: str) -> Resolution:
    """The resolution a per-version document declares (unresolved when it declares none)."""
    raw, normalized = declared_license(document)
    return resolution_from(
        normalized, SOURCE, raw=raw, detail=url, none_reason="the npm registry declares no license"
    )


def declared_license(document: dict[str, Any]) -> tuple[str, Normalized | None]:
    """(raw text for evidence, normalized license) from a package document's license fields.

    package.json's ``license`` is an SPDX expression (or "SEE LICENSE IN <file>", or
    "UNLICENSED"); older packages wrote an object ``{"type", "url"}`` or a ``licenses`` array of
    such objects. ``license`` wins when both are present (npm reads it first).
    """
    from ospo_scan.licenses.normalize import normalize

    value = document.get("license")
    if value is None or value == "" or value == []:
        value = document.get("licenses")
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, normalize(value)
    raw = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if isinstance(value, dict):
        kind = _license_type(value)
        return raw, None if kind is None else normalize(kind)
    if isinstance(value, list):
        return raw, _any_of([_license_type(item) for item in value])
    return raw, normalize(raw)


def _license_type(item: Any) -> str | None:
    """The license named by a legacy ``{"type": ..., "url": ...}`` entry (or a bare string)."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        kind = item.get("type") or item.get("name")
        if isinstance(kind, str) and kind.strip():
            return kind
    return None


def _any_of(kinds: list[str | None]) -> Normalized | None:
    """Combine the legacy ``licenses`` array with OR.

    npm's package.json documentation (the ``license`` section) shows the deprecated array
    ``[{"type": "MIT"}, {"type": "Apache-2.0"}]`` beside the expression that replaces it,
    ``"(MIT OR Apache-2.0)"``: listing several licenses offered a choice, so the entries are
    alternatives (OR), not cumulative obligations (AND). npm's own SBOM output reads the array
    the same way (npm/cli#9010). The combined answer is only as confident as its weakest entry.
    """
    from ospo_scan.licenses.normalize import Normalized, normalize

    parts = [normalize(kind) for kind in kinds if kind]
    parts = [part for part in parts if part.expression is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    unique = list(dict.fromkeys(str(part.expression) for part in parts))
    joined = " OR ".join(
        f"({expression})" if " " in expression else expression for expression in unique
    )
    # Each part is canonical already; normalize renders the whole canonically. Should it not
    # read the combination as one valid expression, the joined parts are kept as they are.
    combined = normalize(joined)
    expression = combined.expression if combined.method == "spdx" else joined
    notes = [part.note for part in parts if part.note]
    return Normalized(
        expression=expression,
        confidence=min(part.confidence for part in parts),
        method=min(parts, key=lambda part: part.confidence).method,
        raw=" OR ".join(part.raw for part in parts),
        note="; ".join(notes) if notes else None,
    )


def license_file_wanted(document: dict[str, Any]) -> str | None:
    """Which license file to read from the tarball: the file of ``SEE LICENSE IN <file>``,
    ``""`` for any license file when the document names no license, else ``None``."""
    from ospo_scan.licenses.normalize import SEE_LICENSE_FILE_REF

    raw, normalized = declared_license(document)
    if normalized is None or normalized.expression is None:
        return ""
    if normalized.expression != SEE_LICENSE_FILE_REF:
        return None
    found = _SEE_LICENSE_IN.match(raw)
    if found is None:
        return ""  # "see LICENSE file": the usual license files
    name = found.group("file").strip().rstrip(".").strip("'\"")
    while name.startswith(("./", "/")):
        name = name[1:] if name.startswith("/") else name[2:]
    return name


# files_wanted's answer for a vague declaration ("BSD"): the usual license files, to settle it.
VAGUE = "<vague>"


# files_wanted's answer for a declaration the files must confirm: a Creative Commons license
# other than CC0 on a package of code (Creative Commons advises against its licenses for
# software; a package declaring one often grants something else in its files or README).
VERIFY = "<verify>"


# files_wanted's answer for a clear declaration, which the package's license files may refine
# (``_settle_declared``): "(MIT AND Apache-2.0)" over the MIT text alone (authors add the
# licenses of code they bundle), "(WTFPL OR MIT)" over the WTFPL alone, "ISC" over an MIT text.
DECLARED = "<declared>"


def files_wanted(document: dict[str, Any]) -> str | None:
    """``license_file_wanted``, ``VAGUE`` when the document names only a license family
    ("BSD", "GPL": the license files may say which one, ``settle.files_settle``) or "public
    domain" (which dedication), ``VERIFY`` for a content license (``VERIFY``), or
    ``DECLARED`` for a clear declaration the files may refine."""
    wanted = license_file_wanted(document)
    if wanted is not None:
        return wanted
    _, normalized = declared_license(document)
    if normalized is not None and (
        normalized.method == "ambiguous" or names_public_domain(normalized.expression)
    ):
        return VAGUE
    if normalized is not None and _content_license(normalized.expression):
        return VERIFY
    # A name normalize does not know (a typo: splaytree-ts 1.0.2's "BDS-3-Clause", a vendor's
    # license name), alone: the license files are read as when no license is declared. An
    # expression with a known part ("MIT OR SEE LICENSE IN FEEL-FREE.md") stands as it is.
    if (
        normalized is not None
        and normalized.method == "unrecognized"
        and " " not in (normalized.expression or " ")
    ):
        return ""
    # A vendor's own terms (UNLICENSED) have no license text to match.
    if normalized is not None and normalized.expression is not None:
        if "LicenseRef-" not in normalized.expression:
            return DECLARED
    return None


def file_to_read(wanted: str | None) -> str:
    """The license file to read for ``files_wanted``'s answer: the file ``SEE LICENSE IN``
    names, or ``""`` for the usual license files."""
    return "" if wanted in (None, VAGUE, VERIFY, DECLARED) else str(wanted)


def _content_license(expression: str | None) -> bool:
    """Whether every license of ``expression`` is a Creative Commons license but CC0."""
    from ospo_scan.licenses.normalize import license_keys

    if expression is None:
        return False
    try:
        keys = license_keys(expression)
    except ValueError:
        return False
    return all(key.startswith("CC-") for key in keys)


_GNU_ONLY = re.compile(r"(?<![\w.+-])(?:GPL|LGPL|AGPL)-\d\.\d-only(?![\w.+-])")


def _gnu_version_open(document: dict[str, Any]) -> bool:
    """Whether the document names a GNU license by a bare version ("LGPL-3.0", "GPLv2", "MIT
    or GPL-2.0"), which SPDX reads as ``-only``: the notice in the license file may say "or
    any later version". Only an explicit SPDX ``-only`` id means "only"."""
    _, normalized = declared_license(document)
    return (
        normalized is not None
        and normalized.method != "spdx"
        and normalized.expression is not None
        and _GNU_ONLY.search(normalized.expression) is not None
    )


def _tarball_url(document: dict[str, Any]) -> str | None:
    dist = document.get("dist")
    tarball = dist.get("tarball") if isinstance(dist, dict) else None
    if isinstance(tarball, str) and urlsplit(tarball).scheme in ("http", "https"):
        return tarball
    return None


def _from_license_files(
    http: HttpClient,
    cache: LicenseCache,
    tarball: str,
    wanted: str | None,
    declared: Resolution,
    gnu_open: bool = False,
) -> Resolution | None:
    """The resolution from the tarball's license files, or ``declared`` with a note when they
    hold no recognized license; ``None`` when the tarball host cannot be reached. With
    ``gnu_open`` (a GNU license by a bare version) the README's License section is read too:
    it may say "or later" where the license files do not.

    ``wanted`` is the file of ``SEE LICENSE IN <file>``, ``""`` for the usual license files
    (the document names no license: without any, the README's License section is read), or
    ``None`` when the document declares a GNU license by a bare version and the files may only
    settle "or any later version" (``_with_gnu_notice``).
    """
    look_for = file_to_read(wanted)
    # An AND or OR declaration (rarer, and often a binary package whose license file follows
    # the binary) is worth the whole tarball; a single license only its head.
    head = wanted == DECLARED and combination(declared.expression) is None
    limit = DECLARED_TARBALL_BYTES if head else MAX_TARBALL_BYTES
    key = f"{tarball}#{look_for}" + ("#head" if head else "")
    cached = cache.get(NS_LICENSE_FILES, key)
    texts = _cached_texts(cached)
    readme = _cached_readme(cached)
    sources = _cached_sources(cached)
    problem = cached.get("missing") if isinstance(cached, dict) else None
    # An entry written before README sections (or the sources' headers) were read has no
    # "readme" (no "sources") for a tarball without license files: read the tarball again.
    readme_too = gnu_open and look_for == ""
    stale = False
    if isinstance(cached, dict) and "missing" not in cached:
        no_readme = (
            (look_for == "" and ((wanted != DECLARED and texts == []) or readme_too))
            or (look_for != "" and texts == [])
        ) and "readme" not in cached
        no_sources = look_for == "" and wanted != DECLARED and texts == [] and sources is None
        stale = no_readme or no_sources
    if (texts is None or stale) and not isinstance(problem, str):
        try:
            texts, readme, sources = _read_license_files(http, tarball, look_for, limit, readme_too)
        except RegistryUnavailable as exc:
            logger.info("%s: %s", tarball, exc)
            return None
        except (RegistryResponseError, ValueError) as exc:
            problem = str(exc)
            cache.put(NS_LICENSE_FILES, key, {"missing": problem}, ttl=UNREADABLE_TTL)
        else:
            value: dict[str, Any] = {"files": [list(item) for item in texts]}
            if not texts or readme_too:
                value["readme"] = list(readme) if readme is not None else None
            if not texts:
                value["sources"] = [list(item) for item in sources or []]
            cache.put(NS_LICENSE_FILES, key, value)
    return files_resolution(
        declared, tarball, wanted, texts or [], readme, problem, "the tarball", sources
    )


def files_resolution(
    declared: Resolution,
    where: str,
    wanted: str | None,
    texts: list[tuple[str, str]],
    readme: tuple[str, str] | None,
    problem: str | None,
    container: str,
    sources: list[tuple[str, str]] | None = None,
) -> Resolution:
    """``declared`` settled by the package's files: the license files' ``texts`` (member,
    text), else the README's License section (``readme``: member, section), else what the
    opening comments of its scripts state (``sources``: member, beginning;
    ``headers.source_license``) when it declares no license or only a family ("BSD").

    ``wanted`` is what ``files_wanted`` asked for (``None``: only a GNU "or later" notice
    may refine the declaration; ``VAGUE``: the files may settle a license family).
    ``problem`` says why the files could not be read; ``where`` (a tarball URL, a folder)
    prefixes the evidence, ``container`` names it in notes ("the tarball"). The answer keeps
    ``declared.source``.
    """
    if wanted is None:
        return _with_gnu_notice(declared, where, texts, readme=readme)
    if wanted == VAGUE:
        if not texts and sources:
            return _settled_by_sources(declared, where, sources) or declared
        return _settle_vague(declared, where, texts)
    if wanted == VERIFY:
        return _verify(declared, where, texts, readme)
    if wanted == DECLARED:
        return _settle_declared(declared, where, texts, readme)
    if not texts:
        note = problem or f"no {wanted or 'license file'} in {container}"
        # No license file, or not the one SEE LICENSE IN names: the README may say.
        if problem is None:
            from_readme, readme_note = _from_readme(declared, where, note, readme, container)
            if from_readme is not None:
                return from_readme
            note = f"{note}; {readme_note}"
            if wanted == "" and declared.expression is None and sources:
                from_sources = _from_sources(declared, where, note, sources)
                if from_sources is not None:
                    return from_sources
        return _with_note(declared, declared.evidence, note)
    return _from_texts(declared, where, texts)


def _from_sources(
    declared: Resolution, where: str, note: str, sources: list[tuple[str, str]]
) -> Resolution | None:
    """A package that declares no license and has no license file or README statement:
    what the opening comments of its scripts state (cycle 1.0.3's "Public Domain."), if
    anything."""
    from ospo_scan.licenses.headers import source_license

    reading = source_license(sources)
    if reading is None:
        return None
    found = [(where, member, text) for member, text in sources]
    why = f"{declared.reason}; {note}" if declared.reason else note
    return source_header_answer(reading, found, declared.evidence, why, declared.source)


def _settled_by_sources(
    declared: Resolution, where: str, sources: list[tuple[str, str]]
) -> Resolution | None:
    """A family name ("BSD") with no license file to settle it, settled by what the opening
    comments of the package's scripts state when that is a license of the family or a
    stricter one (``settle.settles_guess``): esprima-fb's legacy ``{"type": "BSD"}`` over
    a main script that opens with the two BSD clauses."""
    from ospo_scan.licenses.headers import source_settles

    if declared.expression is None:
        return None
    reading = source_settles(sources, declared.expression)
    if reading is None:
        return None
    raw = declared.evidence[0].value if declared.evidence else declared.expression
    why = f"the package declares {raw!r}, a family of licenses, and ships no license file"
    found = [(where, member, text) for member, text in sources]
    return source_header_answer(reading, found, declared.evidence, why, declared.source)


def _settle_vague(declared: Resolution, where: str, texts: list[tuple[str, str]]) -> Resolution:
    """``declared`` (a license family: "BSD") replaced by the license files' reading when
    they settle it (``settle.files_settle``), or by an unknown license when they hold terms
    that match no known license (``settle.contradicting_files``); else ``declared`` with the
    texts as evidence."""
    from ospo_scan.licenses.detect import combine_detections
    from ospo_scan.licenses.settle import contradicting_files, files_settle, with_terms_files

    if declared.expression is None or not texts:
        return declared
    evidence = _with_texts(declared, where, texts)
    detections = read_license_files(texts)
    combined = combine_detections(detections, [member for member, _ in texts])
    names = ", ".join(member for member, _ in texts)
    raw = declared.evidence[0].value if declared.evidence else declared.expression
    if combined.expression is None:
        contradiction = contradicting_files(combined, [t for _, t in texts], declared.expression)
        if contradiction is not None:
            expression, confidence, why = contradiction
            reason = (
                f"the package declares {raw!r}, which the license files {names} contradict: {why}"
            )
            return Resolution(
                expression, declared.source, confidence, tuple(evidence), reason, TEXT_METHOD
            )
    settled = files_settle(combined, declared.expression)
    if settled is None or combined.expression is None:
        return replace(declared, evidence=tuple(evidence))
    reason = f"the package declares {raw!r}, which {settled} the license files {names}"
    with_terms = with_terms_files(combined.expression, texts, detections)
    if with_terms is not None:
        expression, note = with_terms
        combined = replace(combined, expression=expression)
        reason = f"{reason}; {note}"
    return _files_answer(declared, combined, evidence, reason)


def _settle_declared(
    declared: Resolution,
    where: str,
    texts: list[tuple[str, str]],
    readme: tuple[str, str] | None = None,
) -> Resolution:
    """``declared`` refined by the package's license files (``settle.refined_by_files``:
    react-native-fast-image 8.18.0 declares "(MIT AND Apache-2.0)" over the MIT text alone,
    spark-md5 3.0.2 "(WTFPL OR MIT)" over the WTFPL alone, form-data-lite 1.0.4 "ISC" over
    the MIT text), the change named in the reason and the files added to the evidence. A GNU
    license by a bare version otherwise gets the texts as evidence and "or later" from a
    notice in them or in the README (``_with_gnu_notice``); anything else is ``declared`` as
    it was."""
    from ospo_scan.licenses.settle import gnu_version_open, refined_by_files

    if declared.expression is None or not texts:
        return declared
    detections = read_license_files(texts)
    refined = refined_by_files(declared.expression, texts, detections)
    if refined is None:
        if gnu_version_open(declared.expression):
            return _with_gnu_notice(declared, where, texts, detections, readme)
        return declared  # the files change nothing: the declaration, with its own evidence
    expression, said = refined
    evidence = _with_texts(declared, where, texts)
    raw = declared.evidence[0].value if declared.evidence else declared.expression
    reason = f"the package declares {raw!r}; {said}"
    return Resolution(
        expression, declared.source, declared.confidence, tuple(evidence), reason, TEXT_METHOD
    )


def _verify(
    declared: Resolution,
    where: str,
    texts: list[tuple[str, str]],
    readme: tuple[str, str] | None,
) -> Resolution:
    """``declared`` unless the package's license files contradict it
    (``settle.contradicting_files``) or, without license files, its README's License section
    names a license that restricts more: then that, with the reason."""
    from ospo_scan.licenses.categories import restriction
    from ospo_scan.licenses.metadata import clip_evidence
    from ospo_scan.licenses.normalize import license_keys
    from ospo_scan.licenses.settle import contradicting_files

    if declared.expression is None:
        return declared
    raw = declared.evidence[0].value if declared.evidence else declared.expression
    if texts:
        evidence, combined = _read_texts(declared, where, texts)
        contradiction = contradicting_files(combined, [t for _, t in texts], declared.expression)
        if contradiction is None:
            return replace(declared, evidence=tuple(evidence))
        expression, confidence, why = contradiction
        names = ", ".join(member for member, _ in texts)
        reason = f"the package declares {raw!r}, contradicted by the license files {names}: {why}"
        return Resolution(
            expression, declared.source, confidence, tuple(evidence), reason, TEXT_METHOD
        )
    if readme is None or not readme[1]:
        return declared
    member, section = readme
    reading = readme_license(section)
    if reading is None or reading.expression is None:
        return declared
    try:
        stricter = restriction(license_keys(reading.expression)) > restriction(
            license_keys(declared.expression)
        )
    except ValueError:
        return declared
    if not stricter:
        return declared
    read = Evidence(declared.source, clip_evidence(section), f"{where} {member} (License section)")
    name = member.rsplit("/", 1)[-1]
    reason = (
        f"the package declares {raw!r}, but the License section of {name} states"
        f" {reading.expression}, which restricts more"
    )
    evidence_read = (*declared.evidence, read)
    return Resolution(
        reading.expression,
        declared.source,
        reading.confidence,
        evidence_read,
        reason,
        README_METHOD,
    )


def _read_texts(
    declared: Resolution, where: str, texts: list[tuple[str, str]]
) -> tuple[list[Evidence], Detection]:
    """``declared``'s evidence with each license file's text added (``_with_texts``), and
    the files' combined reading (``detect.combine_detections``)."""
    from ospo_scan.licenses.detect import combine_detections

    detections = read_license_files(texts)
    combined = combine_detections(detections, [member for member, _ in texts])
    return _with_texts(declared, where, texts), combined


def _with_texts(declared: Resolution, where: str, texts: list[tuple[str, str]]) -> list[Evidence]:
    """``declared``'s evidence with each license file's text added, as ``<where> <member>``."""
    from ospo_scan.licenses.metadata import clip_evidence

    return [
        *declared.evidence,
        *(Evidence(declared.source, clip_evidence(t), f"{where} {m}") for m, t in texts),
    ]


def _with_note(declared: Resolution, evidence: tuple[Evidence, ...], note: str) -> Resolution:
    reason = f"{declared.reason}; {note}" if declared.reason else note
    return replace(declared, evidence=evidence, reason=reason)


def _from_texts(declared: Resolution, tarball: str, texts: list[tuple[str, str]]) -> Resolution:
    """The license of the license files' texts; ``declared`` with a note when none holds a
    recognized license."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF
    from ospo_scan.licenses.settle import UNKNOWN_TERMS_CONFIDENCE, unknown_terms

    evidence, combined = _read_texts(declared, tarball, texts)
    names = ", ".join(member for member, _ in texts)
    if combined.expression is None:
        if declared.expression is None and unknown_terms([text for _, text in texts]):
            unknown = f"no license declared; {names} holds terms that match no known license"
            return Resolution(
                UNKNOWN_TEXT_REF,
                declared.source,
                UNKNOWN_TERMS_CONFIDENCE,
                tuple(evidence),
                unknown,
                TEXT_METHOD,
            )
        return _with_note(declared, tuple(evidence), f"no license recognized in {names}")
    reason = None
    if combined.score < LOW_CONFIDENCE or UNKNOWN_TEXT_REF in combined.expression:
        reason = combined.note or f"low-confidence reading of {names}"
    return _files_answer(declared, combined, evidence, reason)


def _files_answer(
    declared: Resolution, combined: Detection, evidence: list[Evidence], reason: str | None
) -> Resolution:
    """The license files' combined reading as the answer, its score as the confidence."""
    return Resolution(
        combined.expression, declared.source, combined.score, tuple(evidence), reason, TEXT_METHOD
    )


# The least confidence of a GNU declaration whose version a license notice settled: the notice
# is the project's own words, read from prose rather than an SPDX id.
CONFIDENCE_FROM_NOTICE = 0.85


def _with_gnu_notice(
    declared: Resolution,
    tarball: str,
    texts: list[tuple[str, str]],
    detections: list[Detection] | None = None,
    readme: tuple[str, str] | None = None,
) -> Resolution:
    """``declared`` (one GNU license by a bare version) with "or later" when a notice in the
    license files grants this version "or (at your option) any later version", or, when they
    say nothing of it, the README's License section states it ("under license LGPL v3 or
    later": ``settle.later_versions_stated``); the files' texts join the evidence either
    way. ``detections``: the files' readings, when the caller has them; ``readme``: (member,
    License section)."""
    from ospo_scan.licenses.detect import detect_license_text
    from ospo_scan.licenses.metadata import clip_evidence
    from ospo_scan.licenses.normalize import refine_gnu_version
    from ospo_scan.licenses.settle import later_versions_stated

    section = readme[1] if readme is not None else ""
    if declared.expression is None or not (texts or section):
        return declared
    evidence = _with_texts(declared, tarball, texts)
    notices = [match.license_id for d in detections or () for match in d.matches]
    for member, text in texts if detections is None else ():
        detection = detect_license_text(text, filename=member.rsplit("/", 1)[-1])
        notices.extend(match.license_id for match in detection.matches)
    refined = refine_gnu_version(declared.expression, notices, version_known=True)
    said_in = f"the notice in {', '.join(member for member, _ in texts)}"
    method = TEXT_METHOD
    if refined is None and readme is not None and section:
        stated = later_versions_stated(section)
        refined = refine_gnu_version(declared.expression, stated, version_known=True)
        if refined is not None:
            said_in = f"the License section of {readme[0]}"
            method = README_METHOD
            detail = f"{tarball} {readme[0]} (License section)"
            evidence.append(Evidence(declared.source, clip_evidence(section), detail))
    if refined is None:
        return replace(declared, evidence=tuple(evidence))
    reason = (
        f"the package declares {declared.expression} by its bare version; {said_in}"
        f" grants {refined}"
    )
    confidence = max(declared.confidence, CONFIDENCE_FROM_NOTICE)
    return Resolution(refined, declared.source, confidence, tuple(evidence), reason, method)


# -- the README's License section --------------------------------------------------------------


def _from_readme(
    declared: Resolution,
    tarball: str,
    note: str,
    readme: tuple[str, str] | None,
    container: str = "the tarball",
) -> tuple[Resolution | None, str]:
    """The resolution from the README's License section, or ``None`` and why not."""
    from ospo_scan.licenses.metadata import clip_evidence

    if readme is None:
        return None, f"no README in {container}"
    member, section = readme
    name = member.rsplit("/", 1)[-1]
    if not section:
        return None, f"{name} has no (single) License section"
    reading = readme_license(section)
    if reading is None or reading.expression is None:
        return None, f"the License section of {name} names no single license clearly"
    evidence = (
        *declared.evidence,
        Evidence(declared.source, clip_evidence(section), f"{tarball} {member} (License section)"),
    )
    reason = f"{note}; the license is stated in the License section of {name}"
    if declared.reason:
        reason = f"{declared.reason}; {reason}"
    resolution = Resolution(
        reading.expression, declared.source, reading.confidence, evidence, reason, README_METHOD
    )
    return resolution, ""


def _cached_readme(value: Any) -> tuple[str, str] | None:
    readme = value.get("readme") if isinstance(value, dict) else None
    if isinstance(readme, list) and len(readme) == 2 and all(isinstance(x, str) for x in readme):
        return readme[0], readme[1]
    return None


def _cached_sources(value: Any) -> list[tuple[str, str]] | None:
    sources = value.get("sources") if isinstance(value, dict) else None
    return _pairs(sources)


def _cached_texts(value: Any) -> list[tuple[str, str]] | None:
    files = value.get("files") if isinstance(value, dict) else None
    return _pairs(files)


def _pairs(files: Any) -> list[tuple[str, str]] | None:
    if not isinstance(files, list):
        return None
    texts: list[tuple[str, str]] = []
    for item in files:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            return None
        texts.append((item[0], item[1]))
    return texts


def _read_license_files(
    http: HttpClient,
    tarball: str,
    wanted: str,
    limit: int = MAX_TARBALL_BYTES,
    readme_too: bool = False,
) -> tuple[list[tuple[str, str]], tuple[str, str] | None, list[tuple[str, str]]]:
    """(member, text) of the license files in the first ``limit`` bytes of the tarball at
    ``tarball`` (streamed, never extracted), and, when there are none (not even the one
    ``wanted`` names) or ``readme_too``, (README member, the body of its License section,
    ``""`` when it has none) or ``None`` without a README; and, when there are none, (member,
    beginning) of its top-level scripts (``_header_sources``). Raises ``ValueError`` for a
    missing or unreadable tarball and lets the HTTP client's errors through."""
    from ospo_scan.licenses.wheel import ArchiveError, find_in_tarball

    response = http.get(
        tarball,
        headers={"Range": f"bytes=0-{limit - 1}", "Accept-Encoding": "identity"},
        max_bytes=limit,
    )
    if response.status in (404, 410):
        raise ValueError(f"tarball: HTTP {response.status}")
    if response.status not in (200, 206):
        raise ValueError(f"tarball: HTTP {response.status}")
    names: list[str] = []

    def spy(name: str) -> bool:
        names.append(name)
        return False

    try:
        find_in_tarball(response.content, spy, tarball)
    except ArchiveError:
        pass  # the end of the archive, or the cut at MAX_TARBALL_BYTES: names has what was seen
    if not names:
        raise ValueError("tarball: unreadable or empty")
    texts: list[tuple[str, str]] = []
    for member in _license_members(names, wanted)[:MAX_LICENSE_FILES]:
        try:
            _, data = find_in_tarball(response.content, member.__eq__, tarball)
        except ArchiveError:
            continue
        texts.append((member, data[:MAX_LICENSE_TEXT].decode("utf-8", "replace")))
    if len(response.content) < limit:
        # The whole tarball was read: a section of a license file for a folder that it does
        # not ship is no part of this package's license (settle.without_absent_folders).
        texts = [(member, without_absent_folders(text, _ships(names))) for member, text in texts]
    readme: tuple[str, str] | None = None
    if not texts or (wanted == "" and readme_too):
        readme = _read_readme_section(response.content, tarball, names)
    sources: list[tuple[str, str]] = []
    for member in [] if texts else _header_sources(names):
        try:
            _, data = find_in_tarball(response.content, member.__eq__, tarball)
        except ArchiveError:
            continue
        sources.append((member, data[:NOTICE_CHARS].decode("utf-8", "replace")))
    return texts, readme, sources


# The scripts of a package: JavaScript in its modern and CommonJS forms.
_SCRIPT = re.compile(r"\.(?:js|mjs|cjs)$")
_INDEX_FOLDERS = ("lib", "dist", "src")


def _header_sources(names: list[str]) -> list[str]:
    """The tarball's scripts most likely to open with the package's license statement: the
    scripts right under the package root (index first), then ``index`` scripts of ``lib/``,
    ``dist/`` or ``src/``; minified bundles and tests are skipped."""
    ranked: list[tuple[int, bool, str]] = []
    for name in names:
        parts = name.split("/")
        base = parts[-1]
        if not _SCRIPT.search(base) or ".min." in base or is_test_source(parts[1:]):
            continue
        if len(parts) == 2:
            ranked.append((0, not base.startswith("index."), name))
        elif len(parts) == 3 and parts[1] in _INDEX_FOLDERS and base.startswith("index."):
            ranked.append((1, False, name))
    return [name for *_, name in sorted(ranked)][:MAX_HEADER_SOURCES]


def _ships(names: list[str]) -> Callable[[str], bool]:
    """Whether a tarball whose members are ``names`` has a folder of a given name."""
    folders = {part for name in names for part in name.split("/")[1:-1]}
    return lambda folder: folder in folders


def _read_readme_section(content: bytes, tarball: str, names: list[str]) -> tuple[str, str] | None:
    """(README member, its License section or ``""``) of the package root's README."""
    from ospo_scan.licenses.wheel import ArchiveError, find_in_tarball

    readmes = sorted(
        name for name in names if name.count("/") == 1 and README_NAME.match(name.split("/", 1)[1])
    )
    if not readmes:
        return None
    member = readmes[0]
    try:
        _, data = find_in_tarball(content, member.__eq__, tarball)
    except ArchiveError:
        return None
    text = data[:MAX_LICENSE_TEXT].decode("utf-8", "replace")
    return member, license_section(text) or ""


def _license_members(names: list[str], wanted: str) -> list[str]:
    """The members to read: ``<top folder>/<wanted>`` (exact, else ignoring case), or every
    license-like file right under the top folder (npm packs the package under one folder,
    usually ``package/``), then the files of a license folder there (``package/licenses/``,
    REUSE's ``LICENSES/``)."""
    by_path = {name.split("/", 1)[1]: name for name in names if "/" in name}
    if wanted:
        if wanted in by_path:
            return [by_path[wanted]]
        lowered = wanted.lower()
        return [name for path, name in sorted(by_path.items()) if path.lower() == lowered][:1]
    top = sorted(
        name for path, name in by_path.items() if "/" not in path and LICENSE_FILE_NAME.match(path)
    )
    in_folder = sorted(
        name
        for path, name in by_path.items()
        if path.count("/") == 1 and LICENSE_FOLDER.match(path.split("/")[0]) and path[-1] != "/"
    )
    return top + in_folder
