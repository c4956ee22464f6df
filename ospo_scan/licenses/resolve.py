"""The license resolution chain: curations, lockfile data, installed metadata, the cache, then
the registries.

Each step of the chain is a ``Step``: it looks at a batch of components and says what it knows
about each one (an ``Answer``). ``resolve_licenses`` asks the steps in order and stops, for each
component, at the first final answer; ``explain`` asks every step about one component and
reports what each said. Both combine the answers the same way (``_combine``), so an
explanation shows exactly the resolution a scan records.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ospo_scan.model import Component, LicenseDataInfo, Resolution

if TYPE_CHECKING:
    import requests

    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.curations import Curation
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.registries.base import RegistryResolver

logger = logging.getLogger(__name__)

LOCKFILE_SOURCE = "lockfile"
CURATION_SOURCE = "curation"  # licenses.curations.CURATION_SOURCE, without importing it
CACHE_SOURCE = "cache"  # licenses.cache.CACHE_SOURCE: the evidence a cache read adds
NOT_RESOLVED = "not resolved"
NOT_FROM_REGISTRY = "not from a package registry (git/file/link)"
OFFLINE = "offline: not in the license cache"
NO_ANSWER = "no source of the resolution chain answered"

# Sources that report what a package declares about itself (its lockfile entry, installed
# metadata, its registry metadata); every other source is a conclusion of ospo-scan's
# (a curation, a license text matched against the SPDX texts).
DECLARING_SOURCES = (LOCKFILE_SOURCE, "installed", "registry:")
# Evidence fields that name license files rather than declare a license (core metadata
# License-File, PEP 639; the PyPI JSON API's info.license_files).
_FILE_NAME_FIELDS = ("License-File", "license_files")


@dataclass(frozen=True)
class ResolveOptions:
    """How to resolve: offline or not, where the cache and the registries are, how hard to try.

    ``registries`` maps a purl type to a registry base URL (a mirror) that replaces the
    default. ``http`` is an already built client to use instead of one made from
    ``timeout``/``retries``/``session_factory`` (tests inject one that never sleeps).
    ``curations`` are consulted first, in order (the first that names a component wins).
    """

    offline: bool = False
    cache_dir: Path | None = None
    registries: Mapping[str, str] = field(default_factory=dict)
    concurrency: int = 16
    timeout: float = 10.0
    retries: int = 4
    session_factory: Callable[[], requests.Session] | None = None
    http: HttpClient | None = None
    curations: Sequence[Curation] = ()


@dataclass(frozen=True)
class ResolveStats:
    """Where the answers came from. ``components`` = ``from_curation + from_lockfile +
    from_installed + from_cache + from_registry + unresolved`` (distinct purls); ``requests``
    counts HTTP requests sent. ``license_data`` says how fresh the cached answers used are
    (not compared by ``==``)."""

    components: int
    from_lockfile: int
    from_cache: int
    from_registry: int
    unresolved: int
    requests: int
    seconds: float
    license_data: LicenseDataInfo | None = field(default=None, compare=False)
    from_curation: int = 0
    from_installed: int = 0


@dataclass(frozen=True, slots=True)
class Answer:
    """What one step of the chain said about one component.

    ``resolution`` is ``None`` when the step has nothing to say (``note`` says why). A
    ``final`` answer ends the chain for the component (resolved, or a definite "no license"
    such as a cached not-found); other answers ("UNKNOWN" in the lockfile) are kept as evidence.
    """

    resolution: Resolution | None
    final: bool = False
    note: str | None = None
    # A declaration a later step checks (an npm lockfile's license, which the registry step
    # checks against the package's files): it wins only when no final answer has a license.
    fallback: bool = False


class Step(Protocol):
    """One source of the chain. ``name`` is its stable id ("curation", "lockfile", "installed",
    "cache", "registry"). ``network`` steps ask remote services. An ``overrides`` step's answer wins
    over the others, which are still asked (the local ones only) for the evidence they hold.

    ``__call__`` returns an ``Answer`` for each component it is given, keyed by purl; it
    never raises for one component's failure.
    """

    name: str
    network: bool
    overrides: bool

    def __call__(self, components: Sequence[Component], run: ChainRun) -> dict[str, Answer]: ...


@dataclass
class ChainRun:
    """What the steps of one run share: options, the open cache, the HTTP client, progress."""

    options: ResolveOptions
    cache: LicenseCache
    progress: Callable[[int, int], None] | None = None
    total: int = 0
    done: int = 0
    requests: int = 0
    _http: HttpClient | None = None

    def http(self) -> HttpClient:
        """The injected client, else one made (and later closed) for this run."""
        if self.options.http is not None:
            return self.options.http
        if self._http is None:
            from ospo_scan.licenses.http import HttpClient

            self._http = HttpClient(
                session_factory=self.options.session_factory,
                timeout=self.options.timeout,
                retries=self.options.retries,
                pool_size=max(1, self.options.concurrency),
            )
        return self._http

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more components as decided and report progress."""
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.total)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


# --- the steps --------------------------------------------------------------------------------


class CurationStep:
    """Step 1: the organization's curations, then the shipped ones (docs/policy.md)."""

    name = "curation"
    network = False
    overrides = True

    def __call__(self, components: Sequence[Component], run: ChainRun) -> dict[str, Answer]:
        from ospo_scan.licenses.curations import CURATION_CONFIDENCE, find_curation

        curations = run.options.curations
        said: dict[str, Answer] = {}
        for component in components:
            curation = find_curation(curations, component) if curations else None
            if curation is None:
                checked = f"{len(curations)} curation{'s' if len(curations) != 1 else ''}"
                said[component.purl] = Answer(None, note=f"no curation names it ({checked})")
                continue
            resolution = Resolution(
                curation.license,
                CURATION_SOURCE,
                CURATION_CONFIDENCE,
                (curation.evidence_item(),),
                method="curation",
            )
            said[component.purl] = Answer(resolution, final=True, note=curation.label)
        return said


class LockfileStep:
    """Step 2: the license data the lockfile itself carries (npm v2+, composer, SBOMs)."""

    name = "lockfile"
    network = False
    overrides = False

    def __call__(self, components: Sequence[Component], run: ChainRun) -> dict[str, Answer]:
        said: dict[str, Answer] = {}
        for component in components:
            resolution = _from_lockfile(component)
            if resolution is None:
                said[component.purl] = Answer(None, note="the lockfile declares no license")
            elif resolution.resolved and _checked_later(component, run):
                said[component.purl] = Answer(resolution, note=CHECKED_LATER, fallback=True)
            elif resolution.resolved:
                said[component.purl] = Answer(resolution, final=True)
            else:
                # "UNKNOWN" or the like: kept as evidence while the chain asks further.
                said[component.purl] = Answer(resolution, note=resolution.reason)
        return said


# An npm lockfile copies each package's package.json "license" as written, which is only what
# the author declared: the registry step reads the package's own license files too ("SEE
# LICENSE IN LICENSE.md", a BUSL declaration over the MIT text, "or later" in a notice), and
# the cache (or an imported snapshot) holds what it concluded. The lockfile's license is that
# declaration, kept for when neither can answer (offline without the package in the cache, a
# package the registry does not have).
CHECKED_LATER = "declared in the lockfile; checked against the package's files by the registry"


def _checked_later(component: Component, run: ChainRun) -> bool:
    """Whether the lockfile's license of ``component`` is checked by a later step."""
    return component.ecosystem == "npm" and component.registry


class CacheStep:
    """Step 4: answers stored by earlier runs (and imported snapshots), read in bulk."""

    name = "cache"
    network = False
    overrides = False

    def __call__(self, components: Sequence[Component], run: ChainRun) -> dict[str, Answer]:
        # Components outside a registry are never cached (nothing would be asked for them).
        cached = run.cache.get_resolutions(c.purl for c in components if c.registry)
        said: dict[str, Answer] = {}
        for component in components:
            resolution = cached.get(component.purl)
            if not component.registry:
                said[component.purl] = Answer(None, note="not from a package registry")
            elif resolution is None:
                said[component.purl] = Answer(None, note="not in the license cache")
            else:
                # A cached "not found" is an answer too: the registry said so recently.
                said[component.purl] = Answer(resolution, final=True)
        return said


class RegistryStep:
    """Step 5: the registry of each purl type, asked concurrently (offline: not asked)."""

    name = "registry"
    network = True
    overrides = False

    def __call__(self, components: Sequence[Component], run: ChainRun) -> dict[str, Answer]:
        from ospo_scan.licenses.registries.base import endpoint_for

        said: dict[str, Answer] = {}
        lookups: list[_Lookup] = []
        loaded: dict[str, tuple[RegistryResolver | None, str]] = {}
        for component in components:
            if not component.registry:
                unresolved = Resolution(None, NOT_RESOLVED, 0.0, (), NOT_FROM_REGISTRY)
                said[component.purl] = Answer(unresolved, final=True, note=NOT_FROM_REGISTRY)
                continue
            if component.ecosystem not in loaded:
                loaded[component.ecosystem] = _load_resolver(component.ecosystem)
            resolver, reason = loaded[component.ecosystem]
            if resolver is not None and run.options.offline:
                reason = OFFLINE
            elif resolver is not None:
                endpoint = endpoint_for(component, run.options.registries)
                if endpoint is not None:
                    lookups.append(_Lookup(component, resolver, endpoint))
                    continue
                reason = (
                    f"no registry endpoint configured for {component.ecosystem} "
                    f"(use --registry {component.ecosystem}=URL)"
                )
            unresolved = Resolution(None, NOT_RESOLVED, 0.0, (), reason)
            said[component.purl] = Answer(unresolved, final=True, note=reason)
        run.advance(len(said))
        if lookups:
            said.update(_ask_registries(lookups, run))
        return said


def chain_steps() -> tuple[Step, ...]:
    """The steps of the chain, in the order they are asked (DESIGN.md, resolution chain)."""
    from ospo_scan.licenses.installed import InstalledStep

    return (CurationStep(), LockfileStep(), InstalledStep(), CacheStep(), RegistryStep())


CHAIN = ("curation", "lockfile", "installed", "cache", "registry")


@dataclass
class _Lookup:
    """A component the registry will be asked about."""

    component: Component
    resolver: RegistryResolver
    endpoint: str


# --- resolving --------------------------------------------------------------------------------


def resolve_licenses(
    components: Sequence[Component],
    options: ResolveOptions,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, Resolution], ResolveStats]:
    """Resolve each component's license; return resolutions keyed by purl, and statistics.

    The first final answer wins: a curation, the license the lockfile declares, installed
    metadata beside the lockfile, the cache, then the registry of the purl type (asked
    concurrently, ``options.concurrency`` requests at a time). A curated component is not
    looked up in the registry; its lockfile, installed and cache answers are kept as evidence.
    Offline, the registries are not asked. One component's failure (not found, malformed
    answer, registry down) becomes an unresolved ``Resolution`` with a reason, never an
    exception. ``progress(done, total)`` is called from this thread as answers arrive.

    Raises ``CacheError`` only when the cache folder cannot be used at all.
    """
    from ospo_scan.licenses.cache import LicenseCache

    started = time.perf_counter()
    first_by_purl: dict[str, Component] = {}
    for component in components:
        first_by_purl.setdefault(component.purl, component)
    unique = list(first_by_purl.values())
    said: dict[str, list[tuple[Step, Answer]]] = {c.purl: [] for c in unique}
    origin: dict[str, str] = {}

    with LicenseCache(options.cache_dir) as cache:
        run = ChainRun(options, cache, progress, total=len(unique))
        try:
            pending = unique
            overridden: list[Component] = []
            for step in chain_steps():
                asked = pending if step.network else [*pending, *overridden]
                if step.network:
                    run.done = len(unique) - len(pending)
                answers = step(asked, run)
                for component in asked:
                    answer = answers.get(component.purl)
                    if answer is None:
                        continue
                    said[component.purl].append((step, answer))
                    if answer.final and component.purl not in origin:
                        origin[component.purl] = step.name
                        if step.overrides:
                            overridden.append(component)
                pending = [c for c in pending if c.purl not in origin]
        finally:
            run.close()
        license_data = cache.license_data(offline=options.offline)

    combined = {purl: _combine(answers) for purl, answers in said.items()}
    results = {purl: resolution for purl, (resolution, _) in combined.items()}
    # The step whose answer decided (a declaration kept as a fallback may decide after the
    # chain stopped at another step's final "no license"), which ``origin`` above is not.
    decided_by = {
        purl: said[purl][winner][0].name
        for purl, (_, winner) in combined.items()
        if winner is not None
    }
    stats = ResolveStats(
        components=len(unique),
        from_lockfile=_count(results, decided_by, LockfileStep.name),
        from_cache=_count(results, decided_by, CacheStep.name),
        from_registry=_count(results, decided_by, RegistryStep.name),
        unresolved=sum(1 for r in results.values() if not r.resolved),
        requests=run.requests,
        seconds=time.perf_counter() - started,
        license_data=license_data,
        from_curation=_count(results, decided_by, CurationStep.name),
        from_installed=_count(results, decided_by, "installed"),
    )
    return results, stats


def _combine(said: Sequence[tuple[Step, Answer]]) -> tuple[Resolution, int | None]:
    """The resolution the answers make, and the index of the winning answer (``None``: none).

    The first final answer wins. The evidence of the answers before it comes first (a
    lockfile's "UNKNOWN"), then the winner's; after an overriding answer (a curation), the
    evidence of the local steps that followed it (what the lockfile and the cache say).
    """
    winner = _winner(said)
    earlier = said if winner is None else said[:winner]
    evidence = [
        item
        for _, answer in earlier
        if answer.resolution is not None
        for item in answer.resolution.evidence
    ]
    if winner is None:
        return Resolution(None, NOT_RESOLVED, 0.0, tuple(evidence), NO_ANSWER), None
    step, answer = said[winner]
    assert answer.resolution is not None
    resolution = answer.resolution
    evidence.extend(resolution.evidence)
    if answer.fallback:
        # The step that was to check it could not: say why, beside the declaration.
        unchecked = next(
            (a.resolution.reason for _, a in said[winner + 1 :] if a.final and a.resolution),
            None,
        )
        if unchecked:
            note = f"not checked against the package's files ({unchecked})"
            reason = f"{resolution.reason}; {note}" if resolution.reason else note
            resolution = replace(resolution, reason=reason)
    if step.overrides:
        evidence.extend(
            item
            for later, other in said[winner + 1 :]
            if not later.network and other.resolution is not None
            for item in other.resolution.evidence
        )
    return replace(resolution, evidence=tuple(dict.fromkeys(evidence))), winner


def _from_lockfile(component: Component) -> Resolution | None:
    """The resolution from the lockfile's own license data, or None when it has none."""
    from ospo_scan.licenses.normalize import normalize
    from ospo_scan.licenses.registries.base import resolution_from

    raw = component.declared_license
    if raw is None or not raw.strip():
        return None
    where = str(component.locations[0]) if component.locations else None
    return resolution_from(
        normalize(raw),
        LOCKFILE_SOURCE,
        raw=raw,
        detail=where,
        none_reason="the lockfile declares no license",
    )


def _load_resolver(ecosystem: str) -> tuple[RegistryResolver | None, str]:
    """The resolver for a purl type, or None and the reason there is none."""
    from ospo_scan.licenses.registries import resolver_for

    try:
        resolver = resolver_for(ecosystem)
    except (ImportError, AttributeError) as exc:
        # A RESOLVERS entry naming a missing module is a packaging bug: report it on the
        # components concerned instead of sinking the whole scan.
        logger.error("the %s license resolver cannot be loaded: %s", ecosystem, exc)
        return None, f"the {ecosystem} license resolver cannot be loaded ({exc})"
    return resolver, f"no license resolver for {ecosystem} yet"


def _ask_registries(lookups: list[_Lookup], run: ChainRun) -> dict[str, Answer]:
    """Ask the registries about ``lookups`` concurrently; count the HTTP requests sent."""
    http = run.http()
    before = http.request_count
    said: dict[str, Answer] = {}
    workers = max(1, min(run.options.concurrency, len(lookups)))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ospo-resolve") as pool:
            futures = {
                pool.submit(_ask_one, lookup, http, run.cache): lookup.component.purl
                for lookup in lookups
            }
            for future in as_completed(futures):
                said[futures[future]] = Answer(future.result(), final=True)
                run.advance()
    finally:
        run.requests += http.request_count - before
    return said


def _ask_one(lookup: _Lookup, http: HttpClient, cache: LicenseCache) -> Resolution:
    """One registry lookup; every failure becomes an unresolved resolution with a reason."""
    from ospo_scan.licenses.http import RegistryUnavailable

    source = f"registry:{lookup.resolver.ecosystem}"
    try:
        return lookup.resolver.resolve(lookup.component, http, lookup.endpoint, cache)
    except RegistryUnavailable as exc:
        # Never cached: the next run should ask again.
        return Resolution(None, source, 0.0, (), f"registry unavailable: {exc.reason}")
    except Exception as exc:
        # A resolver bug must not sink the whole scan; it is logged with its traceback.
        logger.warning("resolving %s failed", lookup.component.purl, exc_info=True)
        return Resolution(None, source, 0.0, (), f"resolver error: {type(exc).__name__}: {exc}")


def _winner(said: Sequence[tuple[Step, Answer]]) -> int | None:
    """The index of the answer that decides: the first final one with a license, else a
    declaration kept for that case (``Answer.fallback``), else the first final one (a
    definite "no license")."""
    finals = [i for i, (_, answer) in enumerate(said) if answer.final and answer.resolution]
    for i in finals:
        resolution = said[i][1].resolution
        if resolution is not None and resolution.resolved:
            return i
    for i, (_, answer) in enumerate(said):
        if answer.fallback and answer.resolution is not None and answer.resolution.resolved:
            return i
    return finals[0] if finals else None


def _count(results: dict[str, Resolution], decided_by: dict[str, str], where: str) -> int:
    return sum(1 for purl, r in results.items() if r.resolved and decided_by.get(purl) == where)


# --- explaining -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What one step said about the component: its answer (``None``: nothing, see ``note``),
    whether the answer is final, and the raw value and the method it was read with (re-derived
    from the evidence; ``None`` when it cannot be told)."""

    step: str
    resolution: Resolution | None
    final: bool
    note: str | None
    raw: str | None
    method: str | None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every source of the chain for one component, the winner and why, and the resolution
    a scan records (the winner's answer with the evidence the chain keeps)."""

    component: Component
    sources: tuple[SourceReport, ...]
    winner: str | None
    why: str
    resolution: Resolution
    requests: int


def explain(component: Component, options: ResolveOptions) -> Explanation:
    """Ask every step of the chain about ``component`` without stopping at the first answer.

    The registry is asked even when the cache has an answer (its answer then refreshes the
    cache); offline, it is not asked. Returns the ``Explanation``. Raises ``CacheError`` only
    when the cache folder cannot be used at all.
    """
    from ospo_scan.licenses.cache import LicenseCache

    said: list[tuple[Step, Answer]] = []
    with LicenseCache(options.cache_dir) as cache:
        run = ChainRun(options, cache, total=1)
        try:
            for step in chain_steps():
                answers = step([component], run)
                said.append((step, answers.get(component.purl) or Answer(None, note="no answer")))
        finally:
            run.close()
    resolution, winner = _combine(said)
    sources = []
    for step, answer in said:
        raw, method = (None, None) if answer.resolution is None else reading_of(answer.resolution)
        sources.append(
            SourceReport(step.name, answer.resolution, answer.final, answer.note, raw, method)
        )
    return Explanation(
        component=component,
        sources=tuple(sources),
        winner=None if winner is None else said[winner][0].name,
        why=_why(said, winner),
        resolution=resolution,
        requests=run.requests,
    )


def _why(said: Sequence[tuple[Step, Answer]], winner: int | None) -> str:
    """Why the winning answer won, in one sentence."""
    order = " > ".join(step.name for step, _ in said)
    if winner is None:
        return f"no source answered (the chain: {order})"
    step, answer = said[winner]
    assert answer.resolution is not None
    if step.overrides:
        return f"a curation names this package, and curations override every other source ({order})"
    kept = [
        earlier.name
        for earlier, other in said[:winner]
        if other.resolution is not None and other.resolution.evidence
    ]
    also = f"; what {', '.join(kept)} said is kept as evidence" if kept else ""
    if answer.fallback:
        return (
            f"{step.name} declares it, and no later source ({order}) could check it against "
            f"the package's files{also}"
        )
    if not answer.resolution.resolved:
        return (
            f"{step.name} is the first source with a final answer, and it found no license "
            f"({answer.resolution.reason}){also}"
        )
    return f"{step.name} is the first source in the chain ({order}) with an answer{also}"


def reading_of(resolution: Resolution) -> tuple[str | None, str | None]:
    """(raw value, method): what the answer was read from and how, re-derived from evidence.

    The method is normalize's (``spdx``, ``alias``, ``classifier``, ``ambiguous``, ...) for
    the first evidence value of the answering source that reads as the answer's expression,
    ``curation`` for a curation; ``None`` when no evidence value reads as the expression (an
    answer combined from several values, a license text matched elsewhere).
    """
    from ospo_scan.licenses.normalize import from_classifiers, normalize

    if resolution.source == CURATION_SOURCE:
        return resolution.expression, "curation"
    values = [item.value for item in resolution.evidence if item.source == resolution.source]
    first = values[0] if values else None
    if resolution.expression is None:
        return first, None
    for value in values:
        normalized = normalize(value)
        if normalized.expression == resolution.expression:
            return value, normalized.method
    classifiers = [value for value in values if value.lstrip().startswith("License ::")]
    from_trove = from_classifiers(classifiers) if classifiers else None
    if from_trove is not None and from_trove.expression == resolution.expression:
        return "\n".join(classifiers), from_trove.method
    return first, None


# --- provenance, for reports ------------------------------------------------------------------


def is_declaring_source(source: str) -> bool:
    """Whether ``source`` reports what the package itself declares (lockfile, registry)."""
    return source.startswith(DECLARING_SOURCES)


def acknowledgement(resolution: Resolution) -> str | None:
    """``"declared"`` or ``"concluded"`` (the CycloneDX 1.6 terms), ``None`` when unresolved.

    Declared: the expression is what the package declares, valid SPDX as written: a
    declaring source, full confidence, and the declaration (``declared_license``) is the
    expression itself. Concluded: ospo-scan decided it: a curation, a license text (also one
    a registry resolver read from the package's files), or a reading of a declaration that is
    not valid SPDX as written (an alias, a deprecated id, a classifier, an ambiguous name).
    """
    if resolution.expression is None:
        return None
    declared = declared_license(resolution)
    if (
        is_declaring_source(resolution.source)
        and resolution.confidence >= 1.0
        and declared is not None
        and _same_text(declared, resolution.expression)
    ):
        return "declared"
    return "concluded"


def _same_text(declared: str, expression: str) -> bool:
    """Whether a declaration is the expression as written, give or take case, spacing and
    outer parentheses (SPDX ids match case-insensitively: SPDX 2.3, annex D)."""

    def flat(text: str) -> str:
        text = " ".join(text.split()).casefold()
        while text.startswith("(") and text.endswith(")") and "(" not in text[1:-1]:
            text = text[1:-1].strip()
        return text

    return flat(declared) == flat(expression)


def declared_license(resolution: Resolution) -> str | None:
    """The license the package declares, as written in the first evidence of a declaring
    source (lockfile, registry metadata; license file names skipped), or ``None``."""
    for item in resolution.evidence:
        if not is_declaring_source(item.source) or not item.value.strip():
            continue
        if item.detail and item.detail.endswith(_FILE_NAME_FIELDS):
            continue
        return item.value
    return None


def answered_from_cache(resolution: Resolution) -> bool:
    """Whether the answer was read from the license cache (it then carries cache evidence)."""
    return any(item.source == CACHE_SOURCE for item in resolution.evidence)
