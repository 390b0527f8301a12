"""The house's floors: imports run down, never up.

Every module of the installed ``supportwatch`` package (its folders at the repository root included) is
read with ``ast``; each ``supportwatch`` import must name a unit on the same floor or a lower one."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import supportwatch

ROOT = Path(supportwatch.__file__).parent

# Floor of each unit: a package under supportwatch, or a module of the shell. Lower floors never
# import higher ones; the core's packages have floors of their own, which also rules out cycles.
FLOORS: dict[str, int] = {
    "base": 0,  # the ground floor: clock, YAML with line numbers, the exception root
    "events": 1,  # the v1 contract
    "sla": 2, "models": 2,
    "mood": 3,
    "alerts": 4,
    "customers": 5,
    "tracking": 6,
    "simulator": 7, "grafana": 7, "models.training": 7,  # tools over the core
    # the shell: settings, config and the runtime built from them, and the services it talks to
    "settings": 8, "config": 8, "metrics": 8, "runtime": 8, "oncall": 8, "broker": 8, "processes": 8,
    "embedded_redis": 8, "replay": 8,
    "streams": 9,  # the faust app over the runtime
    "worker": 10, "demo": 10, "cli": 10,  # the composition root: nothing imports it
}
CORE = {unit for unit, floor in FLOORS.items() if floor <= 6}


def modules() -> dict[str, Path]:
    """Dotted name -> file of every module under the package, through the symlinked folders."""
    found = {}
    for folder, _, files in os.walk(ROOT, followlinks=True):
        for name in files:
            if name.endswith(".py"):
                path = Path(folder) / name
                parts = path.relative_to(ROOT).with_suffix("").parts
                found[".".join(("supportwatch", *parts)).removesuffix(".__init__")] = path
    return found


def unit(module: str) -> str | None:
    """The floor-plan unit of ``supportwatch.<...>``; None for the package itself."""
    parts = module.split(".")[1:]
    if not parts:
        return None
    if parts[:2] == ["models", "training"]:
        return "models.training"
    return parts[0]


def imports(path: Path, module: str) -> set[str]:
    """Every supportwatch module ``path`` imports, at the top, inside functions or for type checking."""
    names = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            names.add(base)
            if base == "supportwatch":  # the package's own names (``__version__``) are no unit
                names.update(f"supportwatch.{alias.name}" for alias in node.names
                             if f"supportwatch.{alias.name}" in ALL)
    return {name for name in names if name.startswith("supportwatch.")}


ALL = modules()


def test_every_unit_has_a_floor() -> None:
    assert len(ALL) > 100
    assert {unit(m) for m in ALL} - {None} <= FLOORS.keys()


@pytest.mark.parametrize("module", sorted(ALL))
def test_imports_run_down(module: str) -> None:
    own = unit(module)
    if own is None:
        assert imports(ALL[module], module) == set(), "supportwatch/__init__.py imports nothing"
        return
    for target in imports(ALL[module], module):
        other = unit(target)
        assert other is not None and other in FLOORS, f"{module} imports {target}, which has no floor"
        if other == own:
            continue
        assert FLOORS[other] <= FLOORS[own], f"{module} (floor {FLOORS[own]}) imports {target} (floor {FLOORS[other]})"
        if own in CORE:
            assert other in CORE, f"the core module {module} imports the shell: {target}"


def test_the_checker_sees_an_import_running_up(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("def f():\n    from supportwatch.streams.app import build_app\n")
    assert imports(planted, "supportwatch.sla.planted") == {"supportwatch.streams.app"}
    assert FLOORS[unit("supportwatch.streams.app") or ""] > FLOORS["sla"]


def _loaded(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(out.stdout.split())


def test_the_worker_imports_no_training_code() -> None:
    loaded = _loaded("import supportwatch.worker, supportwatch.cli")
    assert "supportwatch.streams.app" in loaded
    assert not {m for m in loaded if m.startswith("supportwatch.models.training")}


def test_the_mood_core_loads_no_numpy() -> None:
    loaded = _loaded("import supportwatch.mood, supportwatch.models")
    assert "supportwatch.mood.tracker" in loaded
    assert "numpy" not in loaded


def test_every_error_we_raise_has_one_root() -> None:
    import importlib
    import inspect

    from supportwatch.base.exceptions import SupportwatchError

    errors = []
    for module in sorted(ALL):
        for name, value in vars(importlib.import_module(module)).items():
            if (inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module
                    and not name.startswith("_")):
                errors.append(value)
    assert len(errors) > 20
    assert [e.__qualname__ for e in errors if not issubclass(e, SupportwatchError)] == []
