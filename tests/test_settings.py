"""Options are merged and checked once (`settings.resolve`), the same way from every source."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import briefing_data, write_briefings
from sitroom.corpus import gather
from sitroom.pages import left_out
from sitroom.settings import CACHE_ENV, CommandLine, Settings, SettingsError, resolve
from sitroom.vocab import TLP

ROOT = Path("/project")


@pytest.mark.parametrize("spelling", ["amber+strict", "TLP:AMBER+STRICT", " Amber+Strict "])
def test_max_tlp_takes_the_spellings_a_briefing_may_use(spelling: str) -> None:
    assert resolve({"max_tlp": spelling}, ROOT).max_tlp is TLP.AMBER_STRICT
    assert resolve({}, ROOT, CommandLine(max_tlp=spelling)).max_tlp is TLP.AMBER_STRICT


@pytest.mark.parametrize("spelling", ["amber_strict", "AMBER_STRICT", "TLP: AMBER", "PURPLE",
                                      "ＡＭＢＥＲ"])
def test_max_tlp_refuses_what_a_briefing_may_not_say(spelling: str) -> None:
    with pytest.raises(SettingsError) as from_file:
        resolve({"max_tlp": spelling}, ROOT)
    assert from_file.value.option == "max_tlp" and not from_file.value.usage
    assert "is not a TLP 2.0 marking" in str(from_file.value)
    with pytest.raises(SettingsError) as from_cli:
        resolve({}, ROOT, CommandLine(max_tlp=spelling))
    assert from_cli.value.option == "--max-tlp" and from_cli.value.usage
    assert from_cli.value.message == from_file.value.message


def test_red_is_refused_from_either_source() -> None:
    for file, cli in (({"max_tlp": "RED"}, CommandLine()), ({}, CommandLine(max_tlp="red"))):
        with pytest.raises(SettingsError, match="RED is never published to a site"):
            resolve(file, ROOT, cli)


def test_the_command_line_wins_and_defaults_fill_the_rest(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    file = {"max_tlp": "GREEN", "drafts": False, "pdf": True, "briefings": "b",
            "templates": "t", "paper": "letter"}
    settings = resolve(file, ROOT, CommandLine(max_tlp="AMBER", pdf=False,
                                               briefings=Path("/else/b")))
    assert settings == Settings(root=ROOT, briefings=Path("/else/b"), templates=ROOT / "t",
                                max_tlp=TLP.AMBER, drafts=False, pdf=False, paper="Letter",
                                cache_dir=ROOT / ".cache/sitroom")
    assert resolve({}, ROOT, CommandLine(cache=False)).cache_dir is None
    monkeypatch.setenv(CACHE_ENV, "/elsewhere")
    assert resolve({}, ROOT).cache_dir == Path("/elsewhere")
    assert resolve({"cache_dir": "c"}, ROOT).cache_dir == ROOT / "c"


def test_the_preview_shows_drafts_unless_told_not_to() -> None:
    assert resolve({"drafts": False}, ROOT, CommandLine(preview=True)).drafts is True
    assert resolve({}, ROOT, CommandLine(preview=True, drafts=False)).drafts is False
    assert resolve({"drafts": False}, ROOT).drafts is False


@pytest.mark.parametrize(("file", "cli", "option"), [
    ({"engine": "hugo"}, CommandLine(), "engine"),
    ({}, CommandLine(engine="hugo"), "--engine"),
    ({"paper": "A3"}, CommandLine(), "paper"),
    ({"latest": 0}, CommandLine(), "latest"),
])
def test_other_options_are_checked_once_too(file: dict[str, object], cli: CommandLine,
                                            option: str) -> None:
    with pytest.raises(SettingsError) as caught:
        resolve(file, ROOT, cli)
    assert caught.value.option == option


def test_what_a_build_leaves_out_is_said_with_the_option_that_would_show_it(tmp_path: Path
                                                                           ) -> None:
    folder = write_briefings(tmp_path / "b", [
        briefing_data("shown-one"),
        briefing_data("draft-one", status="draft"),
        briefing_data("draft-two", status="draft"),
        briefing_data("in-review", status="review"),
        briefing_data("amber-one", tlp="AMBER"),
        briefing_data("green-one", tlp="GREEN"),
        briefing_data("red-one", tlp="RED"),
    ])
    everything = gather([folder]).corpus
    settings = resolve({}, tmp_path)
    selected = everything.select(settings.max_tlp, settings.drafts)
    assert left_out(everything, selected, settings) == (
        "2 drafts, 1 in review, 1 TLP:GREEN briefing, 1 TLP:AMBER briefing and 1 TLP:RED "
        "briefing not published: use --drafts, --max-tlp AMBER")
    amber = resolve({"max_tlp": "AMBER", "drafts": True}, tmp_path)
    assert left_out(everything, everything.select(TLP.AMBER, True), amber) == \
        "1 TLP:RED briefing not published"
    only = write_briefings(tmp_path / "c", [briefing_data("shown-one")])
    corpus = gather([only]).corpus
    assert left_out(corpus, corpus.select(), settings) is None
