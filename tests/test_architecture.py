"""ARCHITECTURE.md's one rule, enforced: a module imports only from its own layer or the layers below.

Layers, top to bottom: the entry points (cli, commands, the pytest plugin) → the features (capture, mock,
gate) → rendering (reporters, junit, github) → the core. The features do not import each other; the one
shared piece is the secret redactor, `gate.secrets`, which `capture` uses to mask URL passwords.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "rc_licenses_contract"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE
ENTRY_POINTS = {"cli", "commands", "pytest_plugin", "__main__"}
FEATURES = {"capture", "mock", "gate"}
RENDERING = {"reporters", "github_reporter", "junit", "github"}
SHARED = {f"{PACKAGE}.gate.secrets"}  # the redactor: every door masks secrets with the same one


def _module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, src: Path = SRC) -> set[str]:
    """Every module of this package that `path` imports, at any depth (lazy imports count too)."""
    module = _module_name(path, src)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
            found.update(name for name in [target, *names] if name.startswith(PACKAGE))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith(PACKAGE))
    return found


def _layer(module: str) -> str:
    top = module.split(".")[1] if "." in module else ""
    if top in ENTRY_POINTS:
        return "entry"
    if top in FEATURES:
        return top
    if top in RENDERING:
        return "rendering"
    return "core"


RANK = {"entry": 3, "capture": 2, "mock": 2, "gate": 2, "rendering": 1, "core": 0}


def _violations(src: Path = SRC) -> list[str]:
    problems = []
    for path in sorted(src.rglob("*.py")):
        importer = _module_name(path, src)
        for imported in sorted(_imports(path, src)):
            if imported in SHARED or any(imported.startswith(shared + ".") for shared in SHARED):
                continue
            if imported == PACKAGE:  # the package's own __init__ (version, the library entry)
                continue
            mine, theirs = _layer(importer), _layer(imported)
            if RANK[theirs] > RANK[mine] or (RANK[theirs] == RANK[mine] == 2 and theirs != mine):
                problems.append(f"{importer} ({mine}) imports {imported} ({theirs})")
    return problems


def test_every_module_imports_only_its_own_layer_or_below() -> None:
    assert _violations() == []


def test_the_rule_sees_a_violation(tmp_path: Path) -> None:
    """The checker itself can fail: a core module importing a feature, or one feature another, is reported."""
    import shutil

    copy = tmp_path / PACKAGE
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "policy.py").open("a", encoding="utf-8") as handle:
        handle.write("\n\ndef _lazy() -> None:\n    from .gate import run  # noqa\n")
    with (copy / "mock" / "model.py").open("a", encoding="utf-8") as handle:
        handle.write("\nfrom ..capture import runner  # noqa\n")
    assert _violations(copy) == [
        f"{PACKAGE}.mock.model (mock) imports {PACKAGE}.capture (capture)",
        f"{PACKAGE}.mock.model (mock) imports {PACKAGE}.capture.runner (capture)",
        f"{PACKAGE}.policy (core) imports {PACKAGE}.gate (gate)",
        f"{PACKAGE}.policy (core) imports {PACKAGE}.gate.run (gate)",
    ]


MAX_FUNCTION_LINES = 60  # longer only with the reason in a comment on its `def` line
MAX_MODULE_LINES = 430


def _sizes(src: Path = SRC) -> list[str]:
    problems = []
    for path in sorted(src.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        name = path.relative_to(src.parent).as_posix()
        if len(lines) > MAX_MODULE_LINES:
            problems.append(f"{name}: {len(lines)} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES and "#" not in lines[node.lineno - 1]:
                    problems.append(f"{name}:{node.lineno}: {node.name} is {length} lines, with no reason given")
    return problems


def test_functions_and_modules_stay_short() -> None:
    """ARCHITECTURE.md's sizes: a function over 60 lines says why on its `def` line; no module over 430."""
    assert _sizes() == []


def test_the_size_rule_sees_a_long_function_and_a_long_module(tmp_path: Path) -> None:
    package = tmp_path / PACKAGE
    package.mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(70))
    (package / "long.py").write_text(f"def long():\n{body}\n\ndef explained():  # one table\n{body}")
    (package / "big.py").write_text("x = 1\n" * 500)
    assert _sizes(package) == [
        f"{PACKAGE}/big.py: 500 lines (at most 430)",
        f"{PACKAGE}/long.py:1: long is 71 lines, with no reason given",
    ]
