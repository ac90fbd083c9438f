"""Python style: ruff's lint rules and formatter agree with every file (pyproject.toml [tool.ruff])."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

RUFF = Path(sys.executable).parent / "ruff"  # installed beside this interpreter


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    result = subprocess.run([str(RUFF), *command, "."], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
