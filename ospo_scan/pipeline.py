"""The scan pipeline: discover -> parse -> resolve licenses -> evaluate policy -> ScanResult.

Connects the stages and prints nothing; the CLI renders and picks the exit code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ospo_scan.errors import InputError, LockfileError
from ospo_scan.model import (
    Component,
    Diagnostic,
    LockfileReport,
    Resolution,
    ScanResult,
    Scope,
)

if TYPE_CHECKING:
    import requests

    from ospo_scan.licenses.curations import Curation
    from ospo_scan.licenses.resolve import ResolveStats
    from ospo_scan.policy.model import Policy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanOptions:
    """How to scan: network, cache, registries, scopes. ``today`` pins the policy's clock.

    ``curations`` (from ``--curations`` files) come before the policy's curations, which come
    before the shipped ones (left out with ``shipped_curations=False``): the first that names
    a component wins.
    """

    offline: bool = False
    cache_dir: Path | None = None
    registries: Mapping[str, str] = field(default_factory=dict)
    concurrency: int = 16
    timeout: float = 10.0
    include_dev: bool = True
    exclude: tuple[str, ...] = ()
    today: date | None = None
    session_factory: Callable[[], requests.Session] | None = None
    progress: Callable[[int, int], None] | None = None
    curations: tuple[Curation, ...] = ()
    shipped_curations: bool = True


@dataclass(frozen=True)
class ScanOutcome:
    """A scan's result, the input errors that did not stop it, and resolver statistics."""

    result: ScanResult
    input_errors: tuple[InputError, ...]
    stats: ResolveStats | None

    @property
    def complete(self) -> bool:
        """False when a path or lockfile could not be read: the verdict covers only the rest."""
        return not self.input_errors


def parse_lockfiles(
    paths: Sequence[Path], exclude: Sequence[str] = ()
) -> tuple[list[Component], list[LockfileReport], list[Diagnostic], list[InputError]]:
    """Discover and parse every lockfile under ``paths``; a bad one is reported, the rest go on.

    Raises ``InputError`` when nothing at all was found or could be read.
    """
    from ospo_scan.discover import discover
    from ospo_scan.sources import parse_file
    from ospo_scan.sources.base import merge_duplicates

    found, errors = discover(paths, exclude)
    if not found and not errors:
        shown = ", ".join(str(p) for p in paths)
        raise InputError(
            "no supported lockfile found",
            path=shown,
            expected="a lockfile such as package-lock.json, uv.lock or poetry.lock",
        )
    components: list[Component] = []
    reports: list[LockfileReport] = []
    diagnostics: list[Diagnostic] = []
    for lockfile, parser in found:
        try:
            parsed = parse_file(lockfile, parser)
        except LockfileError as exc:
            log.debug("lockfile %s failed", lockfile, exc_info=True)
            errors.append(exc)
            reports.append(LockfileReport(str(lockfile), parser.format, 0, str(exc)))
            continue
        reports.append(LockfileReport(str(lockfile), parser.format, len(parsed.components)))
        components.extend(parsed.components)
        diagnostics.extend(parsed.diagnostics)
    if not reports and errors:
        raise errors[0] if len(errors) == 1 else InputError("; ".join(str(e) for e in errors))
    return merge_duplicates(components), reports, diagnostics, errors


def scan(paths: Sequence[Path], policy: Policy, options: ScanOptions) -> ScanOutcome:
    """Run the whole pipeline and return its outcome.

    Raises ``InputError`` when no lockfile could be found or read at all; a single bad lockfile
    among good ones is reported in the outcome instead.
    """
    from ospo_scan.licenses.curations import shipped_curations
    from ospo_scan.licenses.resolve import ResolveOptions, resolve_licenses
    from ospo_scan.policy.evaluate import evaluate

    components, reports, diagnostics, errors = parse_lockfiles(paths, options.exclude)
    in_scope = [c for c in components if options.include_dev or c.scope is not Scope.DEV]
    resolutions, stats = resolve_licenses(
        in_scope,
        ResolveOptions(
            offline=options.offline,
            cache_dir=options.cache_dir,
            registries=dict(options.registries),
            concurrency=options.concurrency,
            timeout=options.timeout,
            session_factory=options.session_factory,
            curations=(
                *options.curations,
                *policy.curations,
                *(shipped_curations() if options.shipped_curations else ()),
            ),
        ),
        progress=options.progress,
    )
    skipped = Resolution(None, "not resolved", 0.0, (), "dev dependency excluded from the scan")
    items = [(c, resolutions.get(c.purl, skipped)) for c in components]
    evaluation = evaluate(
        policy, items, today=options.today or date.today(), include_dev=options.include_dev
    )
    result = ScanResult(
        components=evaluation.components,
        findings=evaluation.findings,
        lockfiles=tuple(reports),
        diagnostics=tuple(diagnostics),
        policy_name=policy.name,
        policy_path=policy.path,
        root=", ".join(str(p) for p in paths),
        offline=options.offline,
        license_data=stats.license_data,
    )
    return ScanOutcome(result=result, input_errors=tuple(errors), stats=stats)
