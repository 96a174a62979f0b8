"""The install commands (issue 14): the README's, as CI runs them, upgrade pip first, and that pip
takes an extra asked for as ``html_clean`` from a package that declares it as ``html-clean`` (PEP 685
names; jusText asks lxml for ``lxml[html_clean]``): no "does not provide the extra" warning."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def _install_commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"python3 -m venv .venv && .*pip install", line)]


def test_install_commands_upgrade_pip_before_installing():
    readme = _install_commands((ROOT / "README.md").read_text())
    ci = _install_commands((ROOT / ".ci" / "run").read_text())
    assert len(readme) == 2 and ci == [readme[1]]
    for command in readme:
        steps = [step.strip() for step in command.split("&&")]
        assert steps.index("pip install -q -U pip") < next(i for i, s in enumerate(steps) if " -e " in s), command


def _wheel(folder: Path, name: str, metadata: str) -> None:
    info = f"{name}-1.0.dist-info"
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{metadata}")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")


def test_pip_matches_extras_by_their_normalised_name(tmp_path):
    """Offline, with two made-up wheels shaped like lxml (``Provides-Extra: html-clean``) and jusText."""
    _wheel(tmp_path, "cleaner", "Provides-Extra: html-clean\n")
    _wheel(tmp_path, "reader", "Requires-Dist: cleaner[html_clean]\n")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--find-links", str(tmp_path),
                           "--ignore-installed", "--disable-pip-version-check", "reader"], capture_output=True, text=True)
    assert done.returncode == 0 and "Would install cleaner-1.0 reader-1.0" in done.stdout, done.stdout + done.stderr
    assert "does not provide the extra" not in done.stdout + done.stderr
