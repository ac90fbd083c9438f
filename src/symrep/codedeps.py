"""What code a rule's outputs depend on: the `symrep` modules its script imports, and their fingerprint.

Snakemake tracks a rule's own script but not the modules it imports. Every rule therefore passes
`code=code_fingerprint(script)` as a param: a digest of the syntax trees of the modules the script
imports, directly or transitively. A change of code changes the digest and reruns exactly the jobs of
the rules whose scripts import the module; comments, docstrings and formatting do not change a syntax
tree, so such edits rerun nothing. Modules that decide only how a job logs and writes its files
(`PLUMBING`) are left out, as is everything imported only through them, and so are the packages'
`__init__.py` files, which hold no code.
"""

from __future__ import annotations

import ast
import hashlib
import re
from functools import cache
from pathlib import Path

PACKAGE = "symrep"
#: modules that cannot change what a job computes (logging, rule set-up, atomic file replacement)
PLUMBING = frozenset({"symrep.plumbing"})


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
            if dotted in PLUMBING:
                continue
            file = _module_file(src, dotted)
            if (
                file and file.name != "__init__.py" and file not in seen
            ):  # packages hold no code (a test checks)
                seen.add(file)
                pending.append(file)
    return tuple(sorted(seen))


def code_dependencies(script: str | Path, src: str | Path) -> list[Path]:
    """Absolute paths of the symrep source files `script` imports, directly or transitively, except the
    plumbing (`PLUMBING`) and what only it imports."""
    return list(_closure(Path(src).resolve(), Path(script).resolve()))


class _DropDocstrings(ast.NodeTransformer):
    def _strip(self, node):
        self.generic_visit(node)
        body = node.body
        first = body[0] if body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
        return node

    visit_Module = visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _strip


@cache
def normalized_code(file: Path) -> str:
    """The module's syntax tree without docstrings, positions or comments: equal for two versions of a
    file that differ only in comments, docstrings and formatting."""
    tree = _DropDocstrings().visit(ast.parse(file.read_text(), str(file)))
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def code_fingerprint(script: str | Path, src: str | Path) -> str:
    """Digest of the normalised code of every module `script` depends on (`code_dependencies`)."""
    src = Path(src).resolve()
    digest = hashlib.sha256()
    for file in code_dependencies(script, src):
        digest.update(file.relative_to(src).as_posix().encode() + b"\0")
        digest.update(normalized_code(file).encode() + b"\0")
    return digest.hexdigest()[:16]


_RULE = re.compile(r"^\s*rule (\w+):", re.M)
_SCRIPT = re.compile(r'^\s+script:\s*\n\s+"\.\./scripts/([\w.]+\.py)"', re.M)


def rule_scripts(workflow_dir: str | Path) -> dict[str, str]:
    """Rule name -> script file name, for every rule of the workflow's .smk files that runs a script."""
    out = {}
    for smk in sorted(Path(workflow_dir).glob("*.smk")):
        text = smk.read_text()
        starts = [m.start() for m in _RULE.finditer(text)] + [len(text)]
        for start, end in zip(starts, starts[1:]):
            block = text[start:end]
            if script := _SCRIPT.search(block):
                out[_RULE.match(block)[1]] = script[1]
    return out


def rerun_map(repo: str | Path) -> dict[str, list[str]]:
    """For every symrep module (dotted name): the rules whose jobs rerun when its code changes."""
    repo = Path(repo).resolve()
    src = repo / "src"
    modules = sorted(src.rglob("*.py"))
    rules_of: dict[str, list[str]] = {_dotted(src, m): [] for m in modules}
    for rule, script in sorted(rule_scripts(repo / "workflow").items()):
        for file in code_dependencies(repo / "scripts" / script, src):
            rules_of[_dotted(src, file)].append(rule)
    return rules_of


def _dotted(src: Path, file: Path) -> str:
    parts = file.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rerun_table(repo: str | Path) -> str:
    """docs/rerun.md: per module, the rules whose jobs rerun when its code changes (`python -m symrep.codedeps`)."""
    rows = [
        f"| `{module}` | {len(rules)} | {', '.join(f'`{r}`' for r in rules) or '—'} |"
        for module, rules in rerun_map(repo).items()
    ]
    return "\n".join(
        [
            "# What reruns when a module changes",
            "",
            "Generated by `python -m symrep.codedeps > docs/rerun.md` (a test checks it is current). Each rule",
            "passes the fingerprint of the syntax trees of the `src/symrep` modules its script imports as its",
            "`code` param, so a change of code in a module reruns exactly the jobs of the rules listed beside",
            "it; comments, docstrings and formatting change no syntax tree and rerun nothing, and",
            "`symrep.plumbing` (logging, rule set-up, atomic writes) is left out of every fingerprint.",
            "Modules without rules are imported by the workflow itself (plans, configuration): a change there",
            "reruns a job only if it changes that job's params or inputs.",
            "",
            "| module | rules | rules whose jobs rerun |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(rerun_table(Path(__file__).resolve().parents[2]), end="")
