"""`sitroom new`: a briefing skeleton whose TODO placeholders `check` points at until filled."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import jinja2

from .models import slugify
from .resources import TemplateChain

SKELETON = "new-briefing.yaml.j2"
SLUG_LIMIT = 80  # with the date in front, the id stays within the 100 characters allowed


def new_path(title: str, day: date, folder: Path, slug: str | None = None) -> Path:
    """`folder/YYYY/YYYY-MM-DD-slug.yaml`; the slug is made from the title unless given."""
    slug = slug or slugify(title, SLUG_LIMIT)
    return folder / f"{day.year:04d}" / f"{day.isoformat()}-{slug}.yaml"


def slug_problem(slug: str) -> str | None:
    """Why `slug` cannot name a briefing file, or None."""
    suggestion = slugify(slug, SLUG_LIMIT)
    if suggestion != slug:
        example = f" (e.g. {suggestion})" if suggestion else ""
        return (f"{slug!r} is not a slug: lower-case letters a-z, digits and single hyphens, "
                f"at most {SLUG_LIMIT} characters{example}")
    return None


def render_new(title: str, day: date, templates: TemplateChain) -> str:
    """The skeleton's text (a team's templates/new-briefing.yaml.j2, else the package's)."""
    env = jinja2.Environment(
        loader=templates.loader(),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, not HTML: the title is quoted with json below
    )
    return env.get_template(SKELETON).render(
        # A JSON string is a YAML double-quoted scalar: any title survives, colons and all.
        title=json.dumps(title, ensure_ascii=False),
        date=day.isoformat(),
    )


def write_new(title: str, day: date, folder: Path, templates: TemplateChain,
              slug: str | None = None) -> Path:
    """Write the skeleton; FileExistsError rather than overwrite an analyst's work."""
    path = new_path(title, day, folder, slug)
    text = render_new(title, day, templates)
    if path.exists():
        raise FileExistsError(0, "exists", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then linked into place whole: no half-written briefing, and an existing
    # file is never replaced (the link fails instead).
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise FileExistsError(0, "exists", str(path)) from None
        except OSError:  # a file system without hard links
            if path.exists():
                raise FileExistsError(0, "exists", str(path)) from None
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
