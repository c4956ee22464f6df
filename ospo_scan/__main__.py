"""``python -m ospo_scan``: the same as the ``ospo-scan`` command."""

from ospo_scan.cli import main

main()
