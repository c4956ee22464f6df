"""The command line: the click group, the error boundary and the exit codes.

Exit codes: 0 no error-level findings; 1 policy violations (findings at or above --fail-on);
2 usage or input errors (bad policy, no lockfile found, malformed file, unreadable path);
3 internal error (a bug: rerun with --debug and report it).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from ospo_scan import __version__

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3

EPILOG = """\b
Exit codes:
  0  pass: no finding at or above --fail-on
  1  policy violations
  2  usage or input errors (bad policy, no lockfile, malformed file)
  3  internal error (rerun with --debug and report it)
"""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ospo-scan")
@click.option("--debug", is_flag=True, help="Log details to stderr and show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Dependency license and compliance scanner.

    Reads lockfiles (never runs the scanned project), resolves each dependency's license to an
    SPDX expression and checks it against your organization's policy.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map every outcome to a documented exit code."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (the error boundary: no traceback escapes)."""
    from ospo_scan.errors import OspoScanError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        result: Any = cli.main(args=args, prog_name="ospo-scan", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_INPUT
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_INPUT
    except OspoScanError as exc:
        if debug:
            raise
        for line in str(exc).splitlines() or ["error"]:
            click.echo(f"error: {line}", err=True)
        return EXIT_INPUT
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the boundary: anything else is our bug
        if debug:
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)",
            err=True,
        )
        return EXIT_INTERNAL
    return int(result) if isinstance(result, int) else EXIT_OK


# registers the commands
from ospo_scan.cli import cache as _cache  # noqa: E402,F401
from ospo_scan.cli import licenses as _licenses  # noqa: E402,F401
from ospo_scan.cli import policy as _policy  # noqa: E402,F401
from ospo_scan.cli import scan as _scan  # noqa: E402,F401
