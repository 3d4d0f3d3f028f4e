"""The engines that turn the staging docs tree into a site: MkDocs (the default) and Zensical.

`sitroom build` writes every page into a staging docs tree (`pages.sync_tree`); an engine then
builds that tree into the workspace's own site folder, which persists between builds so MkDocs
can rebuild only the pages whose files changed (`--dirty`). A clean build runs instead whenever
anything but the pages changed: the templates, `mkdocs.yml`, the theme, the package or its
dependencies (`fingerprint`), or a hand-written docs page.

The MkDocs plugin (`plugin.py`) stays enabled for these builds: it finds the pages already on
disk (`SitroomPlugin.prepared`) and only adapts them (inclusion in the nav, raw HTML past
Markdown, the theme's defaults). Zensical ignores plugins, so it gets a configuration with
everything resolved instead (`zensical_config`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from .plugin import SitroomPlugin

STATE_FORMAT = 1


class EngineError(Exception):
    """The engine failed; the message says why (details were logged as they happened)."""


# --- what a clean build depends on ------------------------------------------------------------


def _tree_stamp(folder: Path) -> Iterator[str]:
    """Each file of `folder` by path, size and modification time: a change to any of them, as an
    edit makes, changes the stamp without reading every byte on every build."""
    if not folder.is_dir():
        yield f"{folder}:absent"
        return
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        info = path.stat()
        yield f"{path}\0{info.st_size}\0{info.st_mtime_ns}"


@functools.cache
def _distributions() -> list[str]:
    # Once per process: the libraries that matter are the ones this process has imported.
    return sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())


def fingerprint(config_file: Path | None, folders: Iterable[Path], values: dict[str, Any]) -> str:
    """What every page of a site depends on beyond its own source: the configuration file, the
    templates and theme `folders`, the sitroom package and every installed distribution, and
    `values` (resolved options). Equal fingerprints: an incremental build is safe."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"sitroom": __version__, "format": STATE_FORMAT,
                              "python": sys.version, "values": values,
                              "packages": _distributions()}, sort_keys=True,
                             default=str).encode())
    if config_file is not None and config_file.is_file():
        digest.update(config_file.read_bytes())
    for folder in [Path(__file__).parent, *folders]:
        for line in _tree_stamp(folder):
            digest.update(line.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


@dataclass
class State:
    """What the last good build of a workspace left: read at the start of the next one."""

    fingerprint: str = ""
    build_id: str = ""  # written in the published site's marker file
    pdf_digest: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Workspace:
    """A build's private folders: the staging docs tree and the engine's own output."""

    root: Path
    temporary: bool = False

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def theme(self) -> Path:
        """The theme overrides in one folder, for Zensical."""
        return self.root / "theme"

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def load_state(self) -> State | None:
        try:
            data = json.loads(self.state_file.read_text())
            if data.get("format") != STATE_FORMAT:
                return None
            return State(data["fingerprint"], data["build_id"], data.get("pdf_digest", ""),
                         data.get("extra", {}))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def forget_state(self) -> None:
        """Before an engine writes to the site folder: a build killed half-way must be followed
        by a clean one."""
        self.state_file.unlink(missing_ok=True)

    def save_state(self, state: State) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"format": STATE_FORMAT, "fingerprint": state.fingerprint,
                                   "build_id": state.build_id, "pdf_digest": state.pdf_digest,
                                   "extra": state.extra}))
        os.replace(tmp, self.state_file)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def workspace_for(cache_dir: Path | None, key: dict[str, str]) -> Workspace:
    """The persistent workspace of one (configuration, target, engine), or a temporary one."""
    if cache_dir is None:
        import tempfile

        return Workspace(Path(tempfile.mkdtemp(prefix="sitroom-build-")), temporary=True)
    name = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    root = cache_dir / "sites" / name
    root.mkdir(parents=True, exist_ok=True)
    return Workspace(root)


# --- MkDocs -------------------------------------------------------------------------------------


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {message}"
        return message


class _NoDirtyWarning(logging.Filter):
    """MkDocs warns on every dirty build (meant for people who run `--dirty` by hand); the
    engine decides when a dirty build is exact, and the warning would fail --strict."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "A 'dirty' build is being performed" not in record.getMessage()


@contextmanager
def mkdocs_logging(level: int) -> Iterator[None]:
    """MkDocs reports through logging; show its warnings (or more) the way `sitroom` speaks."""
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler()
    handler.setFormatter(_Formatter())
    handler.setLevel(level)
    quiet = _NoDirtyWarning()
    build_log = logging.getLogger("mkdocs.commands.build")
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    build_log.addFilter(quiet)
    logger.setLevel(min(level, logging.WARNING))
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        build_log.removeFilter(quiet)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def load_mkdocs(config_file: Path | None, **overrides: Any) -> tuple[MkDocsConfig,
                                                                     SitroomPlugin]:
    """mkdocs.yml loaded by MkDocs, and its sitroom plugin. Raises EngineError."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from .plugin import SitroomPlugin

    if config_file is not None and not config_file.is_file():
        raise EngineError(f"{config_file}: no such file")
    try:
        config = load_config(config_file=str(config_file) if config_file else None,
                             **overrides)
    except MkDocsException as exc:
        raise EngineError(exc.format_message()) from None
    plugin = next((p for p in config.plugins.values() if isinstance(p, SitroomPlugin)), None)
    if plugin is None:
        raise EngineError(f"{config.config_file_path}: the sitroom plugin is not enabled "
                          "(add '- sitroom' under 'plugins:')")
    return config, plugin


def has_lunr_search(config: MkDocsConfig) -> bool:
    """Material's own search indexes only the pages a build renders: with it, every build must
    be clean."""
    return any(name in ("search", "material/search") for name in config.plugins)


def run_mkdocs(config: MkDocsConfig, plugin: SitroomPlugin, workspace: Workspace,
               files: dict[str, bool | None], *, dirty: bool, removed: Iterable[str]) -> None:
    """Build the staging tree with MkDocs into the workspace's site folder. Raises EngineError."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import MkDocsException

    config.docs_dir = str(workspace.docs)
    config.site_dir = str(workspace.site)
    if dirty:
        for rel in removed:  # a dirty build never deletes what is no longer made
            out = workspace.site / (rel[: -len(".md")] + ".html" if rel.endswith(".md") else rel)
            out.unlink(missing_ok=True)
            for parent in out.parents:
                if parent == workspace.site or not parent.is_dir() or any(parent.iterdir()):
                    break
                parent.rmdir()
    plugin.prepared = files
    config.plugins.on_startup(command="build", dirty=dirty)
    try:
        build(config, dirty=dirty)
    except (MkDocsException, SystemExit) as exc:
        message = exc.format_message() if isinstance(exc, MkDocsException) else str(exc)
        if message.startswith("Aborted with a BuildError"):
            message = ""  # MkDocs has logged the cause already; do not say it twice
        raise EngineError(message) from None
    finally:
        config.plugins.on_shutdown()
        plugin.prepared = None


# --- Zensical -----------------------------------------------------------------------------------


def zensical_config(config: MkDocsConfig, workspace: Workspace,
                    page_marking: str = "") -> dict[str, Any]:
    """mkdocs.yml as Zensical needs it: the staging tree as docs, the theme overrides and
    stylesheets the plugin would add written out, and no third-party plugins (Zensical ignores
    them; the engine does their work). `page_marking`: the 404 page's marking bar, which the plugin
    hands MkDocs as a template global and Zensical reads from `extra`."""
    theme = config.theme
    data: dict[str, Any] = {
        "site_name": config.site_name,
        "site_url": config.site_url,
        "site_description": config.site_description,
        "copyright": config.copyright,
        # Relative to the configuration file: Zensical 0.0.73 panics ("invariant:
        # Id(Format(Path(RootDir)))") on absolute docs_dir/site_dir.
        "docs_dir": os.path.relpath(workspace.docs, workspace.root),
        "site_dir": os.path.relpath(workspace.site, workspace.root),
        "use_directory_urls": config.use_directory_urls,
        "theme": {
            key: value for key, value in {
                "name": theme.name,
                # Material's look, which the theme overrides (header, search) are written for;
                # Zensical's default "modern" one leaves the search panel unstyled.
                "variant": "classic",
                "custom_dir": str(workspace.theme) if theme_chain(config) else None,
                "language": theme.get("language"),
                "font": theme.get("font"),
                "palette": theme.get("palette"),
                "features": theme.get("features"),
            }.items() if value is not None
        },
        "extra": {**config.extra, **({"sitroom_tlp_bar": page_marking} if page_marking else {})},
        "extra_css": [str(c) for c in config.extra_css],
        "extra_javascript": [str(getattr(j, "path", j)) for j in config.extra_javascript],
        "markdown_extensions": _markdown_extensions(config),
        "nav": config.nav,
        # Zensical's own search index (search.json) is on by default; Pagefind is the site's.
        "plugins": {"search": {"enabled": False}},
    }
    return {k: v for k, v in data.items() if v is not None}


def theme_chain(config: MkDocsConfig) -> list[Path]:
    """The folders overriding the theme's templates, the first one winning: mkdocs.yml's
    custom_dir and the ones the plugin put behind it."""
    from mkdocs.theme import Theme

    if not config.theme.name:  # a theme made of custom_dir alone: all of it is the site's
        return [Path(d) for d in config.theme.dirs]
    own = {Path(d).resolve() for d in Theme(name=config.theme.name).dirs}
    return [Path(d) for d in config.theme.dirs if Path(d).resolve() not in own]


def flatten_theme(config: MkDocsConfig, target: Path) -> None:
    """Zensical takes one custom_dir: the chain copied into one folder, the first folder's
    files winning."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for folder in reversed(theme_chain(config)):
        shutil.copytree(folder, target, dirs_exist_ok=True)


def _markdown_extensions(config: MkDocsConfig) -> list[Any]:
    configs = config.mdx_configs
    out: list[Any] = []
    for ext in config.markdown_extensions:
        name = ext if isinstance(ext, str) else type(ext).__module__
        out.append({name: configs[name]} if name in configs else name)
    return out


def run_zensical(config: MkDocsConfig, plugin: SitroomPlugin, workspace: Workspace,
                 files: dict[str, bool | None]) -> None:
    """Build the staging tree with Zensical (clean builds only). Raises EngineError."""
    if importlib.util.find_spec("zensical") is None:
        raise EngineError("the zensical engine is not installed: pip install "
                          "'sitroom[zensical]'")
    import yaml

    # What the plugin's on_config adds to the configuration (theme defaults), written out.
    plugin.prepared = files
    try:
        config = plugin.on_config(config)
    finally:
        plugin.prepared = None
    shutil.rmtree(workspace.site, ignore_errors=True)
    flatten_theme(config, workspace.theme)
    config_file = workspace.root / "zensical.yml"
    resolved = zensical_config(config, workspace, str(plugin.page_marking(config)))
    config_file.write_text(yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True))
    command = [sys.executable, "-m", "zensical", "build", "--clean", "-f", str(config_file)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=workspace.root,
                          check=False)
    if done.returncode != 0 or not (workspace.site / "index.html").is_file():
        detail = (done.stderr or done.stdout).strip()
        raise EngineError(f"zensical build failed: {detail or f'exit {done.returncode}'}")
