from pathlib import Path

from symrep.codedeps import code_dependencies


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_closure_follows_absolute_relative_and_from_package_imports(tmp_path):
    src = tmp_path / "src"
    write(src / "symrep/__init__.py", "")
    write(src / "symrep/a.py", "from symrep import b\n")
    write(src / "symrep/b.py", "from .pkg.c import thing\n")
    write(src / "symrep/pkg/__init__.py", "")
    write(src / "symrep/pkg/c.py", "import numpy\nthing = 1\n")
    write(src / "symrep/unused.py", "")
    write(tmp_path / "script.py", "import os\nfrom symrep.a import something\n")
    names = sorted(p.relative_to(src).as_posix() for p in code_dependencies(tmp_path / "script.py", src))
    assert names == [
        "symrep/__init__.py",
        "symrep/a.py",
        "symrep/b.py",
        "symrep/pkg/__init__.py",
        "symrep/pkg/c.py",
    ]


def test_script_without_symrep_imports_has_no_code_inputs(tmp_path):
    write(tmp_path / "src/symrep/__init__.py", "")
    write(tmp_path / "s.py", "import json\n")
    assert code_dependencies(tmp_path / "s.py", tmp_path / "src") == []
