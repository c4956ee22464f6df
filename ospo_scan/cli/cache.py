"""``ospo-scan cache``: inspect and clear the license cache, export and import snapshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ospo_scan.cli import EXIT_OK, cli

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import CacheInfo, LicenseCache, SnapshotStamp

F = TypeVar("F", bound=Callable[..., Any])


def _cache_dir_option(command: F) -> F:
    option = click.option(
        "--cache-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="License cache folder (default: $OSPO_SCAN_CACHE_DIR or the user cache folder).",
    )
    return option(command)


@cli.group(name="cache")
def cache_group() -> None:
    """Inspect or clear the license cache; export and import snapshots of it.

    For an air-gapped CI: export a snapshot where the registries are reachable
    (`cache export FILE` after a scan), import it in the CI (`cache import FILE`), then
    `scan --offline` answers as the connected scan did.
    """


@cache_group.command()
@_cache_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the information as JSON.")
def info(cache_dir: Path | None, as_json: bool) -> int:
    """Show the cache file, its entries per namespace, their age and the imported snapshot."""
    from ospo_scan.licenses.cache import FILE_NAME, default_cache_dir

    path = (cache_dir or default_cache_dir()) / FILE_NAME
    details = None
    if path.is_file():  # do not create a cache only to say that it is empty
        with _open(cache_dir) as cache:
            details = cache.info()
    if as_json:
        click.echo(json.dumps(_info_json(path, details), indent=2))
    else:
        for line in _info_lines(path, details):
            click.echo(line)
    return EXIT_OK


@cache_group.command()
@_cache_dir_option
def clear(cache_dir: Path | None) -> int:
    """Delete every cached answer and the imported snapshot's stamp."""
    from ospo_scan.licenses.cache import FILE_NAME, default_cache_dir

    path = (cache_dir or default_cache_dir()) / FILE_NAME
    if not path.is_file():
        click.echo(f"{path}: no cache to clear")
        return EXIT_OK
    with _open(cache_dir) as cache:
        removed = cache.clear()
    click.echo(f"{path}: removed {removed:,} entries")
    return EXIT_OK


@cache_group.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_cache_dir_option
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Every registry step's cached document too, not only the final answers "
    "(larger; an offline scan needs only the answers).",
)
@click.option(
    "--purls-from",
    type=click.Path(exists=True, path_type=Path),
    metavar="FILE",
    help="Only the answers a project needs: its ospo-scan JSON report, a CycloneDX JSON "
    "SBOM, or its lockfile or folder.",
)
def export_command(
    file: Path, cache_dir: Path | None, everything: bool, purls_from: Path | None
) -> int:
    """Write the cache to FILE, a portable snapshot (gzip JSON lines; plain if *.jsonl)."""
    from ospo_scan.licenses.snapshot import export_snapshot

    if everything and purls_from is not None:
        raise click.UsageError("--purls-from exports answers only: drop --all")
    purls = _wanted_purls(purls_from) if purls_from is not None else None
    with _open(cache_dir) as cache:
        result = export_snapshot(cache, file, everything=everything, purls=purls)
    click.echo(
        f"wrote {file}: {result.entries:,} entries ({_namespaces(result.namespaces)}), "
        f"snapshot of {_iso(result.created_at)}"
    )
    if result.purls_wanted is not None and result.purls_found is not None:
        missing = result.purls_wanted - result.purls_found
        if missing:
            click.echo(
                f"warning: {missing:,} of {result.purls_wanted:,} components have no cached "
                "answer (lockfile-declared, or never scanned online): offline they stay "
                "unresolved unless their lockfile declares a license",
                err=True,
            )
    elif not result.entries:
        click.echo("warning: the cache holds no answers: run a connected scan first", err=True)
    return EXIT_OK


@cache_group.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_cache_dir_option
def import_command(file: Path, cache_dir: Path | None) -> int:
    """Merge the snapshot FILE into the cache (newer entries win; expired ones are skipped).

    The whole file is checked first: a damaged or foreign file changes nothing (exit 2).
    """
    from ospo_scan.licenses.snapshot import import_snapshot

    with _open(cache_dir) as cache:
        result = import_snapshot(cache, file)
    header, counts = result.header, result.counts
    click.echo(
        f"imported {file} (snapshot of {_iso(header.created_at)} by ospo-scan "
        f"{header.tool_version}): {header.entries:,} entries, {counts.added:,} added, "
        f"{counts.updated:,} updated, {counts.kept:,} kept (the local entry is as new or "
        f"newer), {counts.expired:,} skipped as expired"
    )
    return EXIT_OK


def _open(cache_dir: Path | None) -> LicenseCache:
    from ospo_scan.licenses.cache import LicenseCache

    return LicenseCache(cache_dir)


def _wanted_purls(path: Path) -> tuple[str, ...]:
    """The registry purls a report, SBOM, lockfile or folder names (see ``--purls-from``)."""
    from ospo_scan.licenses.snapshot import purls_from_report
    from ospo_scan.pipeline import parse_lockfiles

    purls = purls_from_report(path)
    if purls is not None:
        return purls
    components, _, _, errors = parse_lockfiles([path])
    if errors:
        # A partial list would make an incomplete snapshot look complete.
        raise errors[0]
    return tuple(sorted({c.purl for c in components if c.registry}))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _from_epoch(stored: float | None) -> str | None:
    return None if stored is None else _iso(datetime.fromtimestamp(stored, UTC))


def _namespaces(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in counts.items()) or "none"


def _stamp_json(stamp: SnapshotStamp | None) -> dict[str, Any] | None:
    return None if stamp is None else stamp.to_json()


def _info_json(path: Path, details: CacheInfo | None) -> dict[str, Any]:
    if details is None:
        return {
            "path": str(path),
            "exists": False,
            "size": 0,
            "entries": 0,
            "namespaces": {},
            "expired": 0,
            "oldest": None,
            "newest": None,
            "snapshot": None,
        }
    return {
        "path": str(path),
        "exists": True,
        "size": details.size,
        "entries": sum(details.namespaces.values()),
        "namespaces": details.namespaces,
        "expired": details.expired,
        "oldest": _from_epoch(details.oldest),
        "newest": _from_epoch(details.newest),
        "snapshot": _stamp_json(details.snapshot),
    }


def _info_lines(path: Path, details: CacheInfo | None) -> list[str]:
    if details is None:
        return [f"cache:     {path} (not created yet)", "entries:   0"]
    total = sum(details.namespaces.values())
    entries = f"{total:,}" + (f" ({_namespaces(details.namespaces)})" if total else "")
    if details.expired:
        entries += f"; {details.expired:,} expired, purged on the next write"
    lines = [f"cache:     {path} ({_size(details.size)})", f"entries:   {entries}"]
    if details.oldest is not None:
        lines.append(f"stored:    {_from_epoch(details.oldest)} to {_from_epoch(details.newest)}")
    stamp = details.snapshot
    if stamp is None:
        lines.append("snapshot:  none imported")
    else:
        lines.append(
            f"snapshot:  created {_iso(stamp.created_at)} by ospo-scan {stamp.tool_version}, "
            f"imported {_iso(stamp.imported_at)} from {stamp.source} ({stamp.entries:,} entries)"
        )
    return lines


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"
