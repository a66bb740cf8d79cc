"""What ``pip install .`` gives: the ``frontdesk`` console script and every file it needs."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_installs_the_frontdesk_command_with_its_data_files():
    """``pip install .`` must give a working ``frontdesk``: the console script, every
    package (a directory of modules without ``__init__.py`` is silently left out) and every
    template, static file and migration."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"frontdesk": "frontdesk.cli:main"}
    package = ROOT / "frontdesk"
    globs = project["tool"]["setuptools"]["package-data"]["frontdesk"]
    shipped = {p for pattern in globs for p in package.glob(pattern) if p.is_file()}
    for path in package.rglob("*"):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        if path.suffix == ".py":
            assert (path.parent / "__init__.py").exists() or any(
                part in ("templates", "static") for part in path.relative_to(package).parts
            ), f"{path.parent} has no __init__.py: left out of the wheel"
        elif path.suffix not in (".pyc",):
            assert path in shipped, f"{path.relative_to(ROOT)} is not in the package data"
