"""Store commands (ingest, ci, baseline, stats): wired into the CLI by ``add_parsers``."""

from __future__ import annotations

import argparse


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register the store commands on the ``claimcheck`` subparsers (filled in by the store issue)."""
