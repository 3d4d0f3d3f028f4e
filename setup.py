"""Build step: the wheel carries the defaults (the top-level templates/ and schema/ folders,
which stay their one source) as package data under sitroom/_data/. Metadata is in
pyproject.toml; an editable install reads the checkout's folders directly (sitroom.resources).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DEFAULTS = ("templates", "schema")


class BuildPyWithDefaults(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "sitroom" / "_data"
        for name in DEFAULTS:
            shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildPyWithDefaults})
