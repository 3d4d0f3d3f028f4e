"""One settings value per build: `mkdocs.yml`'s `sitroom` options merged with the command line.

Options travel one way: whoever runs a build (the `sitroom` command, the MkDocs plugin under
`mkdocs build`, the preview server) hands its raw values to `resolve`, which checks each one once,
here, and returns a frozen `Settings`. Nothing downstream re-reads or re-checks an option.

Imports neither MkDocs nor a renderer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .feeds import DEFAULT_SIZE as FEED_SIZE
from .vocab import TLP, TLP_WORDS

if TYPE_CHECKING:
    from .printopts import PrintOptions
    from .resources import TemplateChain

ENGINES = ("mkdocs", "zensical")
PAPERS = ("A4", "Letter")
DEFAULT_CACHE = ".cache/sitroom"  # beside mkdocs.yml
# Where the caches go when neither --cache-dir nor `cache_dir:` says (CI runners, the tests).
CACHE_ENV = "SITROOM_CACHE_DIR"

RED_REFUSED = (
    "RED is never published to a site (TLP 2.0: for the eyes and ears of individual "
    "recipients only); use CLEAR, GREEN, AMBER or AMBER+STRICT"
)


class SettingsError(ValueError):
    """An option is wrong. `option` names it as its source spells it; `usage` is True when it
    came from the command line (a usage error, exit status 2)."""

    def __init__(self, option: str, message: str, usage: bool) -> None:
        super().__init__(f"{option}: {message}")
        self.option, self.message, self.usage = option, message, usage


def parse_max_tlp(value: object) -> TLP:
    """A site's maximum marking, spelt exactly as a briefing's `tlp:` may be (any letter case,
    an optional `TLP:`), so a marking the format refuses is refused here too. RED is refused:
    a site has readers, not individually named recipients. ValueError with a reader's message."""
    text = str(value)
    word = text.strip().upper().removeprefix("TLP:")
    if not text.isascii() or word not in TLP_WORDS:
        raise ValueError(f"'{text}' is not a TLP 2.0 marking; use CLEAR, GREEN, AMBER or "
                         "AMBER+STRICT")
    level = TLP.parse(word)
    if level is TLP.RED:
        raise ValueError(RED_REFUSED)
    return level


@dataclass(frozen=True)
class CommandLine:
    """What `sitroom build|serve` options say; None: not given, the file or default decides."""

    briefings: Path | None = None
    max_tlp: str | None = None
    drafts: bool | None = None
    pdf: bool | None = None
    paper: str | None = None
    jobs: int | None = None
    cache_dir: Path | None = None
    cache: bool | None = None
    engine: str | None = None
    progress: bool = False
    preview: bool = False  # `sitroom serve`: drafts shown by default, with their banner


@dataclass(frozen=True)
class Settings:
    root: Path  # the folder of mkdocs.yml; relative options are relative to it
    briefings: Path
    templates: Path
    max_tlp: TLP = TLP.CLEAR
    drafts: bool = False
    pdf: bool = True
    paper: str = "A4"
    jobs: int | None = None
    cache_dir: Path | None = None  # None: no caches, every build starts afresh
    latest: int = 20
    risk_window_days: int | None = None  # None: only supersession retires a risk
    feed_size: int = FEED_SIZE
    engine: str = "mkdocs"
    progress: bool = False
    preview: bool = False

    @property
    def template_chain(self) -> TemplateChain:
        """`templates` (a team's folder, optional) before the package's defaults."""
        from .resources import TemplateChain  # Jinja: not for `sitroom check`

        return TemplateChain.for_project(self.templates)

    @property
    def print_options(self) -> PrintOptions:
        """What every PDF of this build is made with (the site build and its shards alike)."""
        from .printopts import PrintOptions

        return PrintOptions(self.template_chain, self.paper)

    def replace(self, **changes: Any) -> Settings:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)


def resolve(file: Mapping[str, Any], root: Path, cli: CommandLine | None = None) -> Settings:
    """Merge the `sitroom` options of mkdocs.yml (`file`, as MkDocs typed them) with the command
    line (which wins), check each value once and return the settings. Raises SettingsError."""
    cli = cli or CommandLine()

    def pick(name: str, default: Any) -> tuple[Any, bool]:
        given = getattr(cli, name, None)
        if given is not None:
            return given, True
        value = file.get(name)
        return (default if value is None else value), False

    def check(name: str, value: Any, from_cli: bool, test: bool, message: str) -> None:
        if not test:
            spelt = f"--{name.replace('_', '-')}" if from_cli else name
            raise SettingsError(spelt, message, from_cli)

    tlp_text, tlp_cli = pick("max_tlp", "CLEAR")
    try:
        max_tlp = parse_max_tlp(tlp_text)
    except ValueError as exc:
        check("max_tlp", tlp_text, tlp_cli, False, str(exc))
        raise  # unreachable: check raised
    # A preview shows the analysts' own drafts unless told otherwise, whatever the site does.
    drafts = cli.drafts if cli.drafts is not None else (cli.preview or file.get("drafts"))
    pdf, _ = pick("pdf", True)
    paper, paper_cli = pick("paper", "A4")
    paper = next((p for p in PAPERS if p.lower() == str(paper).lower()), paper)
    check("paper", paper, paper_cli, paper in PAPERS, f"'{paper}' is not one of: A4, Letter")
    jobs, jobs_cli = pick("jobs", None)
    check("jobs", jobs, jobs_cli, jobs is None or (isinstance(jobs, int) and jobs >= 1),
          f"{jobs} is not a number of processes (1 or more)")
    engine, engine_cli = pick("engine", "mkdocs")
    check("engine", engine, engine_cli, engine in ENGINES,
          f"'{engine}' is not one of: {', '.join(ENGINES)}")
    for name in ("latest", "feed_size"):
        number = file.get(name)
        check(name, number, False, number is None or (isinstance(number, int) and number >= 1),
              f"{number} is not a positive number")
    window = file.get("risk_window_days")
    check("risk_window_days", window, False,
          window is None or (isinstance(window, int) and window >= 0),
          f"{window} is not a number of days")

    cache, _ = pick("cache", True)
    cache_dir: Path | None = None
    if cache:
        env = os.environ.get(CACHE_ENV)
        if cli.cache_dir is not None:
            cache_dir = cli.cache_dir
        elif file.get("cache_dir"):
            cache_dir = root / str(file["cache_dir"])
        else:
            cache_dir = Path(env) if env else root / DEFAULT_CACHE

    briefings = cli.briefings if cli.briefings is not None \
        else root / str(file.get("briefings") or "briefings")
    return Settings(
        root=root,
        briefings=Path(os.path.abspath(briefings)),
        templates=Path(os.path.abspath(root / str(file.get("templates") or "templates"))),
        max_tlp=max_tlp,
        drafts=bool(drafts),
        pdf=bool(pdf),
        paper=paper,
        jobs=jobs,
        cache_dir=Path(os.path.abspath(cache_dir)) if cache_dir is not None else None,
        latest=file.get("latest") or 20,
        risk_window_days=window,
        feed_size=file.get("feed_size") or FEED_SIZE,
        engine=engine,
        progress=cli.progress,
        preview=cli.preview,
    )
