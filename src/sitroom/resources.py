"""Where Sitroom's defaults live, and how a team's own `templates/` overrides them file by file.

The defaults (templates, site stylesheet and theme overrides, print HTML and CSS, fonts, the
JSON Schema, the new-briefing skeleton) are the repository's top-level `templates/` and
`schema/`. The wheel carries copies of them under `sitroom/_data/` (setup.py puts them there);
a checkout (an editable install, the tests) reads the originals.

A team's repository may hold a `templates/` folder of its own: any file in it replaces the
default of the same relative path, and every other file comes from the package. Jinja, the PDF
asset fetcher, the PDF fonts and the theme's `custom_dir` all look files up through the same
`TemplateChain`, first folder first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

PACKAGED = Path(__file__).resolve().parent / "_data"
CHECKOUT = Path(__file__).resolve().parents[2]
THEME_DIR = "site/theme"  # Material's custom_dir: overrides of the theme's own templates
STYLESHEET = "stylesheets/sitroom.css"  # under THEME_DIR, so the theme copies it into the site
SCHEMA_FILE = "briefing.schema.json"


@cache
def defaults_root() -> Path:
    """The folder holding `templates/` and `schema/` as this installation ships them."""
    if (PACKAGED / "templates").is_dir():
        return PACKAGED
    if (CHECKOUT / "templates").is_dir() and (CHECKOUT / "pyproject.toml").is_file():
        return CHECKOUT  # running from the repository itself
    raise RuntimeError(f"this sitroom installation has no default templates ({PACKAGED}); "
                       "reinstall it from a wheel or a checkout")


def default_templates() -> Path:
    return defaults_root() / "templates"


def schema_path() -> Path:
    """The shipped JSON Schema file (the same text `sitroom schema` prints)."""
    return defaults_root() / "schema" / SCHEMA_FILE


@dataclass(frozen=True)
class TemplateChain:
    """Template folders, the first that has a file wins. Hashable, so caches can key on it."""

    folders: tuple[Path, ...]

    @classmethod
    def for_project(cls, folder: Path | None) -> TemplateChain:
        """A team's templates folder (used only if it exists), then the package's defaults."""
        default = default_templates().resolve()
        folders = []
        if folder is not None and folder.is_dir() and folder.resolve() != default:
            folders.append(folder.resolve())
        return cls((*folders, default))

    @classmethod
    def only(cls, folder: Path) -> TemplateChain:
        """Exactly one folder, no defaults behind it (tests of a modified copy)."""
        return cls((folder.resolve(),))

    def find(self, name: str) -> Path | None:
        """The file `name` (a relative path) in the first folder that has it."""
        for folder in self.folders:
            path = folder / name
            if path.is_file():
                return path
        return None

    def loader(self, sub: str = "") -> jinja2.FileSystemLoader:
        """A Jinja loader over `sub` of every folder, first wins."""
        return jinja2.FileSystemLoader([str(folder / sub) for folder in self.folders])

    def dirs(self, sub: str) -> list[Path]:
        """`sub` of every folder that has it, first first."""
        return [folder / sub for folder in self.folders if (folder / sub).is_dir()]

    def files(self, sub: str) -> Iterator[tuple[str, Path]]:
        """Every file under `sub` as (path relative to the folder, file), each name once: the
        one that wins. Sorted by name."""
        seen: dict[str, Path] = {}
        for folder in self.folders:
            base = folder / sub
            if not base.is_dir():
                continue
            for path in base.rglob("*"):
                if path.is_file() and "__pycache__" not in path.parts:
                    seen.setdefault(path.relative_to(folder).as_posix(), path)
        yield from sorted(seen.items())

    def resolve_asset(self, path: str, subs: tuple[str, ...]) -> Path | None:
        """The file a reader asked for by absolute path under `sub` of any folder, looked up
        through the chain: `<any folder>/pdf/print.css` is the first folder's pdf/print.css.

        `..` is resolved before the lookup and symlinks after it: a file whose real path
        leaves its folder's `sub` is refused (None), as is anything outside every `sub`."""
        wanted = Path(os.path.normpath(path))
        relative = None
        for folder in self.folders:
            for sub in subs:
                if wanted.is_relative_to(folder / sub):
                    relative = (sub, wanted.relative_to(folder / sub))
                    break
            if relative:
                break
        if relative is None:
            return None
        sub, rest = relative
        for folder in self.folders:
            candidate = folder / sub / rest
            if not os.path.lexists(candidate):
                continue
            try:
                real = candidate.resolve(strict=True)
                root = (folder / sub).resolve(strict=True)
            except (OSError, RuntimeError):
                return None
            return real if real.is_file() and real.is_relative_to(root) else None
        return None
