"""``ospo-scan policy``: validate policy files and list the shipped ones."""

from __future__ import annotations

from pathlib import Path

import click

from ospo_scan.cli import EXIT_INPUT, EXIT_OK, cli


@cli.group()
def policy() -> None:
    """Work with policy files."""


@policy.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> int:
    """Check policy FILES and report every problem at once (exit 2 if any)."""
    from ospo_scan.errors import PolicyError
    from ospo_scan.policy.load import load_policy

    status = EXIT_OK
    for path in files:
        try:
            loaded = load_policy(path)
        except PolicyError as exc:
            status = EXIT_INPUT
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            continue
        click.echo(f"{path}: valid policy '{loaded.name}'")
    return status


@policy.command(name="list")
def list_policies() -> int:
    """List the policies shipped with ospo-scan (usable as --policy NAME)."""
    from ospo_scan.policy.load import builtin_policy_path, list_builtin_policies

    for name in list_builtin_policies():
        click.echo(f"{name}\t{builtin_policy_path(name)}")
    return EXIT_OK
