"""What the `sitroom` plugin adds to a site's MkDocs configuration so that a team's `mkdocs.yml`
needs only `- sitroom` under `plugins:`: the theme overrides and stylesheet the package ships
(behind any of the team's own, file by file), and no third-party loads.

Called by the plugin with MkDocs' configuration; this module imports MkDocs for types only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .resources import STYLESHEET, THEME_DIR, TemplateChain

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig


PDF_EXTRA = ("PDF output needs Sitroom's 'pdf' extra (pip install 'sitroom[pdf]'); or build "
             "with --no-pdf ('pdf: false' in mkdocs.yml)")


def apply_site_defaults(config: MkDocsConfig, templates: TemplateChain) -> None:
    theme = config.theme
    # custom_dir chain: mkdocs.yml's own custom_dir, then templates/site/theme/ of the team,
    # then the package's, then the theme itself. A file found earlier wins.
    present = {Path(d).resolve() for d in theme.dirs}
    at = 1 if theme.custom_dir else 0
    ours = [str(d) for d in templates.dirs(THEME_DIR) if d.resolve() not in present]
    theme.dirs[at:at] = ours

    # Material fetches Google Fonts unless `font: false` (its default names Roboto, so a value
    # here cannot tell whether mkdocs.yml asked for one). A site for a crisis desk must not tell
    # a third party who reads it: system fonts, always.
    if theme.name == "material":
        theme["font"] = False

    # First, so a team's own extra_css comes after it and can override any rule.
    if STYLESHEET not in [str(css) for css in config.extra_css]:
        config.extra_css.insert(0, STYLESHEET)
