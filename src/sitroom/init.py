"""`sitroom init [DIR]`: a team's briefings repository, ready to write, check and publish.

The files come from `init/` of the templates (shipped in the package): `*.j2` files are
rendered with the site name and Sitroom's version, the others are copied as they are; a path
part `dot-x` becomes `.x` (dot files do not travel well as package data). The JSON Schema is
written beside them so editors find it without a network.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2

from . import __version__
from .resources import TemplateChain, schema_path

SCAFFOLD = "init"
SCHEMA_TARGET = Path("schema") / "briefing.schema.json"


class InitError(Exception):
    """The repository could not be written (or not in full); the message says which file."""


def _target_name(relative: str) -> Path:
    name = relative.removesuffix(".j2")
    return Path(*(f".{part[4:]}" if part.startswith("dot-") else part
                  for part in Path(name).parts))


def scaffold(site_name: str, templates: TemplateChain | None = None) -> dict[Path, bytes]:
    """Every file of a new repository: its path relative to the repository, and its bytes."""
    templates = templates or TemplateChain.for_project(None)
    env = jinja2.Environment(
        loader=templates.loader(SCAFFOLD),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, Markdown and JSON, not HTML; values are quoted where needed
    )
    files: dict[Path, bytes] = {}
    for relative, path in templates.files(SCAFFOLD):
        inner = relative.removeprefix(f"{SCAFFOLD}/")
        if inner.endswith(".j2"):
            text = env.get_template(inner).render(site_name=site_name, version=__version__)
            files[_target_name(inner)] = text.encode("utf-8")
        else:
            files[_target_name(inner)] = path.read_bytes()
    files[SCHEMA_TARGET] = schema_path().read_bytes()
    return dict(sorted(files.items()))


def existing(folder: Path, files: dict[Path, bytes]) -> list[Path]:
    return [name for name in files if os.path.lexists(folder / name)]


def write_repository(folder: Path, files: dict[Path, bytes], force: bool = False) -> list[Path]:
    """Write `files` under `folder`; InitError naming every file that exists unless `force`."""
    clashes = existing(folder, files)
    if clashes and not force:
        listed = "\n".join(f"  {folder / name}" for name in clashes)
        raise InitError(f"{len(clashes)} file{'s' if len(clashes) != 1 else ''} would be "
                        f"overwritten (use --force to replace them):\n{listed}")
    written = []
    for name, data in files.items():
        path = folder / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():
                path.unlink()  # replace the link itself, never write through it
            path.write_bytes(data)
        except OSError as exc:
            raise InitError(f"{path}: cannot write: {exc.strerror or exc}") from None
        written.append(path)
    return written
