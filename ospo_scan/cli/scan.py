"""``ospo-scan scan``: scan lockfiles, print or write reports, exit 0/1/2."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ospo_scan import __version__
from ospo_scan.cli import EXIT_INPUT, EXIT_OK, EXIT_VIOLATIONS, cli
from ospo_scan.cli.options import (
    REGISTRY_ENV_PREFIX,
    cache_dir_option,
    curation_options,
    policy_option,
    registry_option,
    timeout_option,
)
from ospo_scan.model import ReportContext, ScanResult, Severity
from ospo_scan.report import reporter_names

if TYPE_CHECKING:
    from ospo_scan.licenses.curations import Curation
    from ospo_scan.policy.model import Policy

FAIL_ON = ("error", "warning", "never")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@policy_option
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(reporter_names()),
    help="Report format; repeat for several. Default: table on stdout.",
)
@click.option(
    "--output",
    "-o",
    "outputs",
    multiple=True,
    metavar="FILE",
    help="Where the matching --format goes (the n-th --output belongs to the n-th --format); "
    "'-' is stdout.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip folders or files whose path below PATH (or name) matches, e.g. 'tests/fixtures'. "
    "Repeatable.",
)
@click.option("--offline", is_flag=True, help="Use lockfile data and the cache only.")
@cache_dir_option
@click.option(
    "--include-dev/--exclude-dev",
    default=True,
    show_default=True,
    help="Check dev dependencies too (capped by the policy's [scopes] rule) or leave them out.",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="error",
    show_default=True,
    help="The lowest finding severity that makes the exit code 1.",
)
@registry_option
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Registry lookups in flight at once.",
)
@timeout_option
@curation_options
@click.option("--quiet", "-q", is_flag=True, help="No table or progress when writing to files.")
def scan(
    paths: tuple[Path, ...],
    policy_arg: str | None,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    exclude: tuple[str, ...],
    offline: bool,
    cache_dir: Path | None,
    include_dev: bool,
    fail_on: str,
    registries: tuple[str, ...],
    concurrency: int,
    timeout: float,
    curation_files: tuple[Path, ...],
    shipped_curations: bool,
    quiet: bool,
) -> int:
    """Scan PATH (folders are searched for lockfiles; default: the current folder).

    Lockfiles are parsed as data: nothing of the scanned project is executed.
    """
    from ospo_scan.pipeline import ScanOptions
    from ospo_scan.pipeline import scan as run_scan

    targets = _pair_outputs(formats, outputs, quiet)
    policy = load_policy_arg(policy_arg)
    curations = load_curation_files(curation_files)
    progress = _progress_printer() if sys.stderr.isatty() and not quiet else None
    options = ScanOptions(
        offline=offline,
        cache_dir=cache_dir,
        registries=registry_overrides(registries),
        concurrency=concurrency,
        timeout=timeout,
        include_dev=include_dev,
        exclude=exclude,
        progress=progress,
        curations=curations,
        shipped_curations=shipped_curations,
    )
    targets_paths = list(paths) or [Path(".")]
    outcome = run_scan(targets_paths, policy, options)
    if progress is not None:
        click.echo("\r\033[K", err=True, nl=False)  # clear the progress line
        stats = outcome.stats
        if stats is not None and stats.from_registry:
            rate = stats.requests / stats.seconds if stats.seconds else 0.0
            curated = f"{stats.from_curation} curated, " if stats.from_curation else ""
            installed = f"{stats.from_installed} installed, " if stats.from_installed else ""
            click.echo(
                f"licenses: {curated}{stats.from_lockfile} from lockfiles, {installed}"
                f"{stats.from_cache} cached, "
                f"{stats.from_registry} from registries ({stats.requests} requests in "
                f"{stats.seconds:.1f} s, {rate:.0f}/s), {stats.unresolved} unresolved",
                err=True,
            )
    _write_reports(outcome.result, targets, _project_name(targets_paths))
    for error in outcome.input_errors:
        click.echo(f"error: {error}", err=True)
    if not outcome.complete:
        return EXIT_INPUT
    return EXIT_VIOLATIONS if _fails(outcome.result, fail_on) else EXIT_OK


def load_policy_arg(policy_arg: str | None) -> Policy:
    """The policy named by ``--policy``: a file path, else a shipped policy's name."""
    from ospo_scan.policy.load import builtin_policy_path, load_policy

    if policy_arg is None:
        return load_policy(builtin_policy_path("default"))
    candidate = Path(policy_arg)
    if candidate.exists() or candidate.suffix == ".toml" or os.sep in policy_arg:
        return load_policy(candidate)
    return load_policy(builtin_policy_path(policy_arg))


def load_curation_files(paths: Sequence[Path]) -> tuple[Curation, ...]:
    """The curations of every ``--curations`` file, in order; raises ``PolicyError`` listing
    the problems of every file at once."""
    from ospo_scan.errors import PolicyError
    from ospo_scan.policy.load import load_curations

    curations: list[Curation] = []
    problems: list[str] = []
    for path in paths:
        try:
            curations.extend(load_curations(path))
        except PolicyError as exc:
            problems.extend(exc.problems)
    if problems:
        raise PolicyError(problems)
    return tuple(curations)


def _pair_outputs(
    formats: Sequence[str], outputs: Sequence[str], quiet: bool
) -> list[tuple[str, str]]:
    """(format, destination) pairs; '-' is stdout. At most one report may go to stdout."""
    if len(outputs) > len(formats):
        raise click.UsageError("each --output needs its own --format before it")
    if not formats:
        return [("table", "-")]
    pairs = [(fmt, outputs[i] if i < len(outputs) else "-") for i, fmt in enumerate(formats)]
    on_stdout = [fmt for fmt, dest in pairs if dest == "-"]
    if len(on_stdout) > 1:
        raise click.UsageError(
            f"{len(on_stdout)} formats would go to stdout ({', '.join(on_stdout)}): "
            "give each but one an --output FILE"
        )
    if not on_stdout and not quiet:
        pairs.append(("table", "-"))  # files written; the person at the terminal gets the table
    return pairs


def registry_overrides(values: Sequence[str]) -> dict[str, str]:
    """Registry base URLs by purl type, from ``$OSPO_SCAN_REGISTRY_<TYPE>`` and ``--registry
    TYPE=URL`` (which wins). Raises ``click.BadParameter`` for a value that is not TYPE=URL."""
    overrides = {
        key[len(REGISTRY_ENV_PREFIX) :].lower(): value
        for key, value in os.environ.items()
        if key.startswith(REGISTRY_ENV_PREFIX) and value
    }
    for value in values:
        kind, sep, url = value.partition("=")
        if not sep or not kind or not url.startswith(("http://", "https://")):
            raise click.BadParameter(
                f"{value!r} (expected TYPE=URL, e.g. npm=https://npm.corp.example/)",
                param_hint="--registry",
            )
        overrides[kind.strip().lower()] = url.strip()
    return overrides


def _progress_printer() -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        click.echo(f"\rresolving licenses: {done}/{total}", err=True, nl=False)

    return show


def _context(color: bool, project_name: str | None) -> ReportContext:
    # SOURCE_DATE_EPOCH makes reports reproducible (reproducible-builds.org convention).
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = (
        datetime.fromtimestamp(int(epoch), UTC) if epoch and epoch.isdigit() else datetime.now(UTC)
    )
    return ReportContext(
        timestamp=now.replace(microsecond=0),
        serial_number=f"urn:uuid:{uuid.uuid4()}",
        tool_version=__version__,
        color=color,
        extra={"project_name": project_name} if project_name else {},
    )


def _project_name(paths: Sequence[Path]) -> str | None:
    """The scanned project's name for the SBOM: the folder scanned, when there is one."""
    if len(paths) != 1:
        return None
    folder = paths[0] if paths[0].is_dir() else paths[0].parent
    return folder.resolve().name or None


def _write_reports(
    result: ScanResult, targets: Sequence[tuple[str, str]], project_name: str | None
) -> None:
    from ospo_scan.errors import ReportError
    from ospo_scan.report import get_reporter

    for fmt, dest in targets:
        to_stdout = dest == "-"
        color = to_stdout and fmt == "table" and _color_wanted()
        context = _context(color, project_name)
        text = get_reporter(fmt).render(result, context)
        if to_stdout:
            click.echo(text, nl=not text.endswith("\n"))
            continue
        try:
            Path(dest).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ReportError(f"{dest}: cannot write report: {exc.strerror or exc}") from exc


def _color_wanted() -> bool:
    # https://no-color.org: NO_COLOR set (to anything) turns colour off.
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _fails(result: ScanResult, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    wanted = {Severity.ERROR} if fail_on == "error" else {Severity.ERROR, Severity.WARNING}
    return any(f.severity in wanted for f in result.findings)
