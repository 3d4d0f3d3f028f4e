"""The PDF build: every briefing's PDF, in parallel, through a content-addressed cache, written
atomically; and the `sitroom pdf` command."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from sitroom.cli import main
from sitroom.pdfbuild import PdfBuild, PdfBuildError, build_pdfs, write_atomic
from sitroom.printopts import PrintOptions
from sitroom.resources import TemplateChain
from test_pdf_support import (  # noqa: F401 - the fixture is used by every test here
    EXAMPLE,
    OPTIONS,
    TEMPLATES,
    corpus_of,
    example_data,
    flat,
    no_weasyprint_warnings,
    page_texts,
    standalone,
    write_briefing,
)


def three_briefings(folder: Path) -> dict[str, dict[str, Any]]:
    """alpha, bravo (which names alpha as related) and charlie, each small."""
    out = {}
    for name in ("alpha", "bravo", "charlie"):
        data = standalone(example_data())
        data.update(id=f"{name}-briefing", title=f"{name.capitalize()}: {data['title']}")
        data["timeline"] = data["timeline"][:2]
        data["actors"] = data["actors"][:3]
        data["risks"] = [{**r, "actors": [a for a in r["actors"]
                                          if a in ("united-states", "iran", "israel")]}
                         for r in data["risks"][:2]]
        data["timeline"] = [{**e, "actors": [a for a in e["actors"]
                                             if a in ("united-states", "iran", "israel")]}
                            for e in data["timeline"]]
        if name == "bravo":
            data["related"] = ["alpha-briefing"]
        out[name] = data
        write_briefing(folder, data, f"{name}-briefing")
    return out


def build(folder: Path, out: Path, cache: Path | None, **options: Any) -> PdfBuild:
    print_options = PrintOptions(TemplateChain.only(options.pop("templates", TEMPLATES)),
                                 options.pop("paper", "A4"), options.pop("variant", None))
    result = build_pdfs(corpus_of(folder), out, print_options, cache_dir=cache,
                        **{"jobs": 1, **options})
    assert isinstance(result, PdfBuild)
    return result


def no_temporary_files(*folders: Path) -> None:
    for folder in folders:
        leftovers = [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
        assert leftovers == [], leftovers


def test_cache_renders_only_what_changed(tmp_path: Path) -> None:
    src, out, cache = tmp_path / "briefings", tmp_path / "site" / "pdf", tmp_path / "cache"
    data = three_briefings(src)

    first = build(src, out, cache)
    assert sorted(first.rendered) == ["alpha-briefing", "bravo-briefing", "charlie-briefing"]
    assert first.cached == []
    assert sorted(p.name for p in first) == ["alpha-briefing.pdf", "bravo-briefing.pdf",
                                             "charlie-briefing.pdf"]
    before = {p.name: p.read_bytes() for p in first}

    again = build(src, out, cache)
    assert again.rendered == [] and len(again.cached) == 3
    assert {p.name: p.read_bytes() for p in again} == before
    # Linked from the cache, not written again (cache entries are only ever replaced whole).
    entries = {p.stat().st_ino for p in cache.rglob("*.pdf")}
    assert all(p.stat().st_ino in entries for p in again)

    # An edit to one briefing re-renders that one alone.
    data["charlie"]["summary"] = "The bottom line for Charlie has changed."
    write_briefing(src, data["charlie"], "charlie-briefing")
    edited = build(src, out, cache)
    assert edited.rendered == ["charlie-briefing"] and len(edited.cached) == 2
    assert "The bottom line for Charlie has changed." in flat(
        page_texts(PdfReader(out / "charlie-briefing.pdf"))[0])

    # A new title for alpha changes bravo's PDF too: bravo prints it as a related briefing.
    data["alpha"]["title"] = "Alpha, renamed"
    write_briefing(src, data["alpha"], "alpha-briefing")
    renamed = build(src, out, cache)
    assert sorted(renamed.rendered) == ["alpha-briefing", "bravo-briefing"]
    assert "Alpha, renamed" in flat(" ".join(page_texts(PdfReader(out / "bravo-briefing.pdf"))))

    # A comment or key order changes nothing that is printed: nothing to render.
    path = src / "alpha-briefing.yaml"
    path.write_text("# reviewed by the duty editor\n" + path.read_text())
    assert build(src, out, cache).rendered == []
    no_temporary_files(out, cache)


def test_a_template_paper_or_variant_change_renders_again(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "pdf", templates / "pdf")
    shutil.copytree(TEMPLATES / "shared", templates / "shared")
    src, out, cache = tmp_path / "briefings", tmp_path / "out", tmp_path / "cache"
    write_briefing(src, standalone(example_data()), "only-briefing")
    assert build(src, out, cache, templates=templates).rendered == ["only-briefing"]
    assert build(src, out, cache, templates=templates).cached == ["only-briefing"]
    (templates / "shared" / "note.txt").write_text("any file of the shared templates counts")
    assert build(src, out, cache, templates=templates).rendered == ["only-briefing"]
    css = templates / "pdf" / "print.css"
    css.write_text(css.read_text().replace("#1d3557", "#222222"))
    assert build(src, out, cache, templates=templates).rendered == ["only-briefing"]
    # The paper size and the variant are part of the key too.
    assert build(src, out, cache, templates=templates, paper="Letter").rendered
    assert build(src, out, cache, templates=templates, variant="pdf/ua-1").rendered
    assert build(src, out, cache, templates=templates).cached == ["only-briefing"]


def test_parallel_build_gives_the_same_bytes(tmp_path: Path) -> None:
    src = tmp_path / "briefings"
    three_briefings(src)
    serial = build(src, tmp_path / "one", None, jobs=1)
    parallel = build(src, tmp_path / "two", None, jobs=2)
    assert len(parallel.rendered) == 3
    assert [p.name for p in serial] == [p.name for p in parallel]
    for a, b in zip(serial, parallel, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert not (tmp_path / "cache").exists()  # no cache unless asked


def test_a_failure_names_the_briefing_and_keeps_the_rest(tmp_path: Path) -> None:
    # `check` refuses what the fonts cannot draw, so a failure is provoked in the print
    # template instead, for one briefing only.
    src, out = tmp_path / "briefings", tmp_path / "site"
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "pdf", templates / "pdf")
    shutil.copytree(TEMPLATES / "shared", templates / "shared")
    page = templates / "pdf" / "briefing.html.j2"
    page.write_text(page.read_text().replace(
        "{{ b.title }}</h1>",
        "{{ b.title }}{% if b.id == 'charlie-briefing' %}{{ b.titel }}{% endif %}</h1>"))
    three_briefings(src)
    out.mkdir()
    (out / "charlie-briefing.pdf").write_bytes(b"%PDF- the previous build's file")
    with pytest.raises(PdfBuildError) as caught:
        build(src, out, tmp_path / "cache", jobs=2, templates=templates)
    message = str(caught.value)
    assert message.startswith("1 PDF could not be made:")
    assert "charlie-briefing.yaml: charlie-briefing: print template: UndefinedError" in message
    assert "alpha-briefing" not in message and "bravo-briefing" not in message
    assert (out / "alpha-briefing.pdf").read_bytes().startswith(b"%PDF-1.7")
    assert (out / "bravo-briefing.pdf").read_bytes().startswith(b"%PDF-1.7")
    # The failed briefing's previous PDF is untouched, never replaced by half a file.
    assert (out / "charlie-briefing.pdf").read_bytes() == b"%PDF- the previous build's file"
    no_temporary_files(out, tmp_path / "cache")


def test_a_template_mistake_is_reported_cleanly(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "pdf", templates / "pdf")
    shutil.copytree(TEMPLATES / "shared", templates / "shared")
    src = tmp_path / "briefings"
    write_briefing(src, standalone(example_data()), "only-briefing")
    page = templates / "pdf" / "briefing.html.j2"
    page.write_text(page.read_text().replace("{{ b.title }}</h1>", "{{ b.titel }}</h1>"))
    with pytest.raises(PdfBuildError, match=r"only-briefing: print template: UndefinedError: "
                                            r".*'titel'"):
        build(src, tmp_path / "out", None, templates=templates)
    page.write_text(page.read_text().replace("{{ b.titel }}</h1>", "{% if %}</h1>"))
    with pytest.raises(PdfBuildError, match=r"template \S*pdf/briefing.html.j2:\d+: Expected"):
        build(src, tmp_path / "out", None, templates=templates)


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    write_atomic(target, b"old")
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())

    with pytest.raises(TypeError):  # fails half way: after the temporary file is created
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    no_temporary_files(tmp_path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_no_progress_bar_without_a_terminal(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "briefings"
    write_briefing(src, standalone(example_data()), "only-briefing")
    build(src, tmp_path / "out", None, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_bad_options_are_refused(tmp_path: Path) -> None:
    corpus = corpus_of(EXAMPLE.parent)
    with pytest.raises(ValueError, match="paper"):
        PrintOptions.at(TEMPLATES, paper="A3")
    with pytest.raises(ValueError, match="variant"):
        PrintOptions.at(TEMPLATES, variant="pdf/x-4")
    with pytest.raises(ValueError):
        build_pdfs(corpus, tmp_path, PrintOptions.at(TEMPLATES), jobs=-1)
    assert list(tmp_path.iterdir()) == []


# --- sitroom pdf ---------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with the templates and two briefings, one naming the other."""
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    folder = tmp_path / "briefings" / "2024"
    first = standalone(example_data())
    write_briefing(folder, {**first, "id": "first-briefing", "title": "The first one"},
                   "first-briefing")
    write_briefing(folder, {**first, "id": "second-briefing", "related": ["first-briefing"]},
                   "second-briefing")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_renders_one_briefing_with_related_titles(project: Path) -> None:
    result = CliRunner().invoke(main, ["pdf", "briefings/2024/second-briefing.yaml"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "second-briefing.pdf"
    reader = PdfReader(project / "second-briefing.pdf")
    text = flat(" ".join(page_texts(reader)))
    assert "RELATED BRIEFINGS" in text and "The first one" in text
    assert all(t.count("TLP:CLEAR") >= 2 for t in page_texts(reader))


def test_cli_options(project: Path) -> None:
    out = project / "out" / "report.pdf"
    result = CliRunner().invoke(main, ["pdf", "briefings/2024/first-briefing.yaml", "-o",
                                       str(out), "--paper", "letter", "--pdf-variant",
                                       "pdf/a-3u"])
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    assert round(float(reader.pages[0].mediabox.width)) == 612
    assert b"pdfaid:part" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()


def test_cli_checks_first(project: Path) -> None:
    path = project / "briefings" / "2024" / "first-briefing.yaml"
    path.write_text(path.read_text().replace("likelihood: very likely",
                                             "likelihood: probably maybe", 1))
    result = CliRunner().invoke(main, ["pdf", "briefings/2024/second-briefing.yaml"])
    assert result.exit_code == 1
    assert "briefings/2024/first-briefing.yaml:" in result.output
    assert "'probably maybe' is not one of" in result.output
    assert "Traceback" not in result.output
    assert not (project / "second-briefing.pdf").exists()


def test_cli_usage_errors(project: Path) -> None:
    runner = CliRunner()
    (project / "briefings" / "notes.txt").write_text("not a briefing")
    result = runner.invoke(main, ["pdf", "briefings/notes.txt"])
    assert result.exit_code == 2 and "is not a briefing" in result.output
    (project / "notes.txt").write_text("not a briefing")
    result = runner.invoke(main, ["pdf", "notes.txt"])  # named alone: checked, and refused
    assert result.exit_code == 1 and "notes.txt:1:1: " in result.output
    result = runner.invoke(main, ["pdf", "briefings/2024/first-briefing.yaml", "-o",
                                  "briefings/2024/first-briefing.yaml"])
    assert result.exit_code == 2 and "overwrite the briefing" in result.output
    result = runner.invoke(main, ["pdf", "missing.yaml"])
    assert result.exit_code == 2
    result = runner.invoke(main, ["pdf", "briefings/2024/first-briefing.yaml", "--templates",
                                  "nowhere"])
    assert result.exit_code == 2 and "nowhere: no such folder" in result.output
