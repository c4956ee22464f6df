"""The license resolution chain: lockfile data, then the cache, then the package registries."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    import requests

    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.registries.base import RegistryResolver

logger = logging.getLogger(__name__)

LOCKFILE_SOURCE = "lockfile"
NOT_RESOLVED = "not resolved"
NOT_FROM_REGISTRY = "not from a package registry (git/file/link)"
OFFLINE = "offline: not in the license cache"


@dataclass(frozen=True)
class ResolveOptions:
    """How to resolve: offline or not, where the cache and the registries are, how hard to try.

    ``registries`` maps a purl type to a registry base URL (a mirror) that replaces the
    default. ``http`` is an already built client to use instead of one made from
    ``timeout``/``retries``/``session_factory`` (tests inject one that never sleeps).
    """

    offline: bool = False
    cache_dir: Path | None = None
    registries: Mapping[str, str] = field(default_factory=dict)
    concurrency: int = 16
    timeout: float = 10.0
    retries: int = 4
    session_factory: Callable[[], requests.Session] | None = None
    http: HttpClient | None = None


@dataclass(frozen=True)
class ResolveStats:
    """Where the answers came from. ``components`` = ``from_lockfile + from_cache +
    from_registry + unresolved`` (distinct purls); ``requests`` counts HTTP requests sent."""

    components: int
    from_lockfile: int
    from_cache: int
    from_registry: int
    unresolved: int
    requests: int
    seconds: float


@dataclass
class _Lookup:
    """A component the registry will be asked about."""

    component: Component
    resolver: RegistryResolver
    endpoint: str


def resolve_licenses(
    components: Sequence[Component],
    options: ResolveOptions,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, Resolution], ResolveStats]:
    """Resolve each component's license; return resolutions keyed by purl, and statistics.

    The first answer wins: the license the lockfile declares, then the cache, then the
    registry of the purl type (asked concurrently, ``options.concurrency`` requests at a time).
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
    total = len(unique)
    results: dict[str, Resolution] = {}
    origin: dict[str, str] = {}
    lockfile_evidence: dict[str, Evidence] = {}

    for component in unique:
        from_lockfile = _from_lockfile(component)
        if from_lockfile is not None and from_lockfile.resolved:
            results[component.purl] = from_lockfile
            origin[component.purl] = "lockfile"
        elif from_lockfile is not None:
            # The lockfile said "UNKNOWN" or the like: keep it as evidence, ask further.
            lockfile_evidence[component.purl] = from_lockfile.evidence[0]
        if component.purl not in results and not component.registry:
            results[component.purl] = Resolution(None, NOT_RESOLVED, 0.0, (), NOT_FROM_REGISTRY)

    requests_sent = 0
    with LicenseCache(options.cache_dir) as cache:
        pending = [c for c in unique if c.purl not in results]
        for purl, cached in cache.get_resolutions(c.purl for c in pending).items():
            results[purl] = cached
            origin[purl] = "cache"
        lookups = _plan([c for c in pending if c.purl not in results], options, results)
        done = len(results)
        if progress is not None:
            progress(done, total)
        if lookups:
            requests_sent = _ask_registries(lookups, options, cache, results, origin, progress)

    for purl, evidence in lockfile_evidence.items():
        resolution = results[purl]
        results[purl] = replace(resolution, evidence=(evidence, *resolution.evidence))
    stats = ResolveStats(
        components=total,
        from_lockfile=_count(results, origin, "lockfile"),
        from_cache=_count(results, origin, "cache"),
        from_registry=_count(results, origin, "registry"),
        unresolved=sum(1 for r in results.values() if not r.resolved),
        requests=requests_sent,
        seconds=time.perf_counter() - started,
    )
    return results, stats


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


def _plan(
    components: list[Component], options: ResolveOptions, results: dict[str, Resolution]
) -> list[_Lookup]:
    """Pick a resolver and endpoint for each component, or record why there is none."""
    from ospo_scan.licenses.registries.base import endpoint_for

    lookups: list[_Lookup] = []
    loaded: dict[str, tuple[RegistryResolver | None, str]] = {}
    for component in components:
        if component.ecosystem not in loaded:
            loaded[component.ecosystem] = _load_resolver(component.ecosystem)
        resolver, reason = loaded[component.ecosystem]
        if resolver is not None and options.offline:
            reason = OFFLINE
        elif resolver is not None:
            endpoint = endpoint_for(component, options.registries)
            if endpoint is not None:
                lookups.append(_Lookup(component, resolver, endpoint))
                continue
            reason = f"no registry known for {component.ecosystem} (configure one)"
        results[component.purl] = Resolution(None, NOT_RESOLVED, 0.0, (), reason)
    return lookups


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


def _ask_registries(
    lookups: list[_Lookup],
    options: ResolveOptions,
    cache: LicenseCache,
    results: dict[str, Resolution],
    origin: dict[str, str],
    progress: Callable[[int, int], None] | None,
) -> int:
    """Resolve ``lookups`` concurrently into ``results``; return the HTTP requests sent."""
    from ospo_scan.licenses.http import HttpClient

    http = options.http
    own_client = http is None
    if http is None:
        http = HttpClient(
            session_factory=options.session_factory,
            timeout=options.timeout,
            retries=options.retries,
            pool_size=max(1, options.concurrency),
        )
    before = http.request_count
    total = len(results) + len(lookups)
    done = len(results)
    workers = max(1, min(options.concurrency, len(lookups)))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ospo-resolve") as pool:
            futures = {
                pool.submit(_ask_one, lookup, http, cache): lookup.component.purl
                for lookup in lookups
            }
            for future in as_completed(futures):
                purl = futures[future]
                results[purl] = future.result()
                origin[purl] = "registry"
                done += 1
                if progress is not None:
                    progress(done, total)
        return http.request_count - before
    finally:
        if own_client:
            http.close()


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


def _count(results: dict[str, Resolution], origin: dict[str, str], where: str) -> int:
    return sum(1 for purl, r in results.items() if r.resolved and origin.get(purl) == where)
