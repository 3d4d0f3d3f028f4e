"""`sitroom new`: a briefing skeleton whose TODO placeholders `check` points at until filled."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jinja2

from .models import slugify

SKELETON = "new-briefing.yaml.j2"


def render_new(title: str, day: date, templates: Path) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, not HTML: the title is quoted with json below
    )
    return env.get_template(SKELETON).render(
        title=json.dumps(title, ensure_ascii=False), date=day.isoformat()
    )


def write_new(title: str, day: date, folder: Path, templates: Path) -> Path:
    path = folder / f"{day.year:04d}" / f"{day.isoformat()}-{slugify(title, limit=80)}.yaml"
    text = render_new(title, day, templates)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:  # never overwrite an analyst's work
        out.write(text)
    return path
