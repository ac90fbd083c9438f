"""Which `symrep` source files a rule script depends on, found from its static imports.

Snakemake tracks a rule's script but not the modules it imports; rules therefore declare these files
as inputs, so that editing a module reruns exactly the jobs whose scripts (transitively) import it.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = "symrep"


def _module_file(src: Path, dotted: str) -> Path | None:
    base = src.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_of(src: Path, file: Path) -> str:
    parts = file.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1])


def _imported_modules(src: Path, file: Path) -> set[str]:
    """Dotted names of symrep modules `file` imports (`from pkg import mod` counts mod if it is one)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(), str(file))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import inside the package
                package = _package_of(src, file).split(".")
                package = package[: len(package) - node.level + 1]
                module = ".".join(package + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)
    return {n for n in names if (n == PACKAGE or n.startswith(PACKAGE + ".")) and _module_file(src, n)}


@cache
def _closure(src: Path, script: Path) -> tuple[Path, ...]:
    seen: set[Path] = set()
    pending = [script]
    while pending:
        current = pending.pop()
        for dotted in _imported_modules(src, current):
            parts = dotted.split(".")
            for i in range(1, len(parts) + 1):  # the module and every package __init__ above it
                file = _module_file(src, ".".join(parts[:i]))
                if file and file not in seen:
                    seen.add(file)
                    pending.append(file)
    return tuple(sorted(seen))


def code_dependencies(script: str | Path, src: str | Path) -> list[Path]:
    """Absolute paths of the symrep source files `script` imports, directly or transitively."""
    return list(_closure(Path(src).resolve(), Path(script).resolve()))
