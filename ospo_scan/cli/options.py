"""Options shared by the commands that resolve licenses (``scan``, ``licenses explain``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

REGISTRY_ENV_PREFIX = "OSPO_SCAN_REGISTRY_"

policy_option = click.option(
    "--policy",
    "policy_arg",
    metavar="FILE|NAME",
    help="Policy file, or the name of a shipped policy (default: the shipped 'default').",
)
cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="License cache folder (default: $OSPO_SCAN_CACHE_DIR or the user cache folder).",
)
registry_option = click.option(
    "--registry",
    "registries",
    multiple=True,
    metavar="TYPE=URL",
    help="Registry base URL for a purl type (a mirror), e.g. npm=https://npm.corp.example/. "
    f"Also from ${REGISTRY_ENV_PREFIX}<TYPE>.",
)
timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=10.0,
    show_default=True,
    help="Seconds to wait for one registry answer.",
)


def curation_options(function: F) -> F:
    """``--curations FILE`` (repeatable) and ``--shipped-curations/--no-shipped-curations``."""
    function = click.option(
        "--shipped-curations/--no-shipped-curations",
        default=True,
        show_default=True,
        help="Apply the license corrections shipped with ospo-scan for well-known packages.",
    )(function)
    return click.option(
        "--curations",
        "curation_files",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        help="A file of [[curations]] (license corrections, see docs/policy.md); they win over "
        "the policy's and the shipped ones. Repeatable.",
    )(function)
