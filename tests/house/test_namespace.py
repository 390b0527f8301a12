"""One import namespace for everything installed, proven where it can break.

The concept folders stay at the repository root (``streams/``, ``models/``, ``alerts/`` ...) and are
linked into the ``supportwatch`` package (``supportwatch/streams -> ../streams``), so a checkout, the
editable install and the wheel all import them as ``supportwatch.<folder>``. Proven here: a wheel
built from a copy of the checkout holds only ``supportwatch``, imports beside another distribution
that ships top-level ``events`` and ``models`` packages and reads the default config from inside
itself; the editable install (of that copy) does the same; and mypy, run as CI runs it, still reports a planted
type error across our packages (nothing of ours is hidden behind ``ignore_missing_imports``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    "__pycache__", ".supportwatch",
)
SQUATTER = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "squatter"
version = "1.0"

[tool.setuptools]
packages = ["events", "models"]
"""
PROBE = """\
import json, sys
import events, models
import supportwatch, supportwatch.events, supportwatch.models, supportwatch.streams.app, supportwatch.worker
from supportwatch.config import load_config
config = load_config(None)
print(json.dumps({
    "supportwatch": supportwatch.__file__, "streams": supportwatch.streams.app.__file__,
    "config": str(config.path), "policies": len(config.policies.policies),
    "squatter": [events.SQUATTER, models.SQUATTER], "contract": supportwatch.events.Event.__name__,
}))
"""


def pip(*args: object) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", *map(str, args)], check=True, timeout=240,
                   env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("namespace")
    source = tmp / "checkout"
    shutil.copytree(ROOT, source, symlinks=True, ignore=COPY_IGNORE)
    squatter = tmp / "squatter"
    for package in ("events", "models"):
        (squatter / package).mkdir(parents=True)
        (squatter / package / "__init__.py").write_text("SQUATTER = True\n")
    (squatter / "pyproject.toml").write_text(SQUATTER)
    wheels = tmp / "wheels"
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", wheels, source, squatter)
    ours = next(wheels.glob("supportwatch-*.whl"))
    theirs = next(wheels.glob("squatter-*.whl"))
    pip("install", "--no-deps", "--no-index", "--target", tmp / "wheel-site", ours, theirs)
    # The editable install as pip makes it (PEP 660, setuptools' finder), of the copy, into a site of its own.
    build = "import sys; from setuptools import build_meta; print(build_meta.build_editable(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", build, str(tmp / "editable")], cwd=source, check=True, timeout=240,
                   capture_output=True)
    pip("install", "--no-deps", "--no-index", "--target", tmp / "editable-site", *(tmp / "editable").glob("*.whl"),
        theirs)
    return {"wheel": ours, "wheel-site": tmp / "wheel-site", "editable-site": tmp / "editable-site",
            "checkout": source, "tmp": tmp}


def probe(site: Path, cwd: Path) -> dict[str, object]:
    """What PROBE prints in a Python whose only site is ``site`` (its ``.pth`` files processed) with
    this venv's third-party packages after it, run outside the checkout."""
    import json
    import sysconfig

    head = (f"import site, sys; site.addsitedir({str(site)!r}); "
            f"sys.path.append({sysconfig.get_paths()['purelib']!r})\n")
    out = subprocess.run([sys.executable, "-S", "-c", head + PROBE], cwd=cwd, capture_output=True, text=True,
                         timeout=120, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout))


def test_the_wheel_ships_one_top_level_package(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = wheel.namelist()
    assert {name.split("/")[0] for name in names} == {"supportwatch", "supportwatch-0.1.0.dist-info"}
    for expected in ("supportwatch/streams/app.py", "supportwatch/base/clock.py", "supportwatch/config/default.yaml",
                     "supportwatch/models/weights/minilm-sentiment-l3/model-int8.onnx",
                     "supportwatch/grafana/dashboards/supportwatch-sla.json"):
        assert expected in names


def test_the_wheel_imports_beside_a_squatter_and_reads_its_own_config(built: dict[str, Path]) -> None:
    site = built["wheel-site"]
    seen = probe(site, built["tmp"])
    assert seen["squatter"] == [True, True]
    assert str(seen["supportwatch"]).startswith(str(site))
    assert str(seen["streams"]).startswith(str(site / "supportwatch" / "streams"))
    assert seen["config"] == str(site / "supportwatch" / "config" / "default.yaml")
    assert int(str(seen["policies"])) > 0 and seen["contract"] == "Event"


def test_the_editable_install_imports_beside_a_squatter(built: dict[str, Path]) -> None:
    checkout = built["checkout"]
    seen = probe(built["editable-site"], built["tmp"])
    assert seen["squatter"] == [True, True]
    assert seen["supportwatch"] == str(checkout / "supportwatch" / "__init__.py")
    assert str(seen["streams"]).startswith(str(checkout / "supportwatch" / "streams"))
    assert seen["config"] == str(checkout / "supportwatch" / "config" / "default.yaml")


def test_mypy_reports_a_planted_cross_package_error(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from supportwatch.sla.signals import Clock\n"
        "from supportwatch.tracking import Tracker\n"
        "import supportwatch.no_such_module\n"
        "\n"
        "def first(tracker: Tracker) -> int:\n"
        "    return Clock.FIRST_REPLY\n"
    )
    out = subprocess.run([sys.executable, "-m", "mypy", str(planted)], cwd=ROOT, capture_output=True, text=True,
                         timeout=280)
    assert out.returncode == 1, out.stdout + out.stderr
    assert 'planted.py:6: error: Incompatible return value type (got "Clock", expected "int")' in out.stdout
    assert 'planted.py:3: error: Cannot find implementation or library stub for module named' in out.stdout
