"""`sitroom build --shard I/N`: each CI job renders its share of the PDFs into its cache; a
build over the gathered caches renders none and publishes the same PDFs as a plain build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SITE_CONFIG, briefing_data, build_site_cli, write_briefings
from sitroom.pdfbuild import Shard

IDS = [f"shard-{n}" for n in range(6)]


def cache_entries(cache: Path) -> set[str]:
    return {p.name for p in (cache / "pdf").rglob("*.pdf")}


def shard_build(cache: Path, briefings: Path, shard: str) -> str:
    from sitroom.cli import main

    result = CliRunner().invoke(main, ["build", "--config", str(SITE_CONFIG), "--briefings",
                                       str(briefings), "--cache-dir", str(cache),
                                       "--shard", shard], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stderr


def test_two_shards_then_a_build_make_the_same_pdfs_as_a_plain_build(tmp_path: Path) -> None:
    briefings = write_briefings(tmp_path / "briefings", [briefing_data(i) for i in IDS])
    first = [i for i in IDS if Shard(1, 2).holds(i)]
    second = [i for i in IDS if Shard(2, 2).holds(i)]
    assert first and second  # the test splits the corpus for real

    # Two CI jobs, each with a cache of its own (uploaded as an artifact).
    out1 = shard_build(tmp_path / "cache-1", briefings, "1/2")
    out2 = shard_build(tmp_path / "cache-2", briefings, "2/2")
    assert f"shard 1/2: {len(first)} PDF" in out1 and f"({len(first)} rendered" in out1
    assert f"shard 2/2: {len(second)} PDF" in out2 and f"({len(second)} rendered" in out2
    one, two = cache_entries(tmp_path / "cache-1"), cache_entries(tmp_path / "cache-2")
    assert len(one) == len(first) and len(two) == len(second) and not one & two
    assert not (tmp_path / "site").exists()  # a shard builds no site

    # The final job downloads every artifact into one cache and builds: nothing left to render.
    merged = tmp_path / "cache"
    for part in ("cache-1", "cache-2"):
        shutil.copytree(tmp_path / part, merged, dirs_exist_ok=True)
    build_site_cli(tmp_path / "site", "--cache-dir", merged, briefings=briefings)
    assert cache_entries(merged) == one | two  # no new entry: no PDF was rendered

    build_site_cli(tmp_path / "plain", "--no-cache", briefings=briefings)
    for ident in IDS:
        name = f"pdf/{ident}.pdf"
        assert (tmp_path / "site" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "site" / "pdf").iterdir()) == sorted(
        f"{i}.pdf" for i in IDS)


def test_a_briefing_keeps_its_shard() -> None:
    # By id alone: pinned, so that jobs of different runs (and versions) agree.
    assert [Shard(i, 3).holds("2024-08-06-ain-al-asad-rocket-attack") for i in (1, 2, 3)] \
        .count(True) == 1
    shares = {i: [s for s in (1, 2, 3, 4) if Shard(s, 4).holds(i)] for i in IDS}
    assert all(len(s) == 1 for s in shares.values())  # every briefing in exactly one share
    assert {i: shares[i][0] for i in IDS} == PINNED
    assert all(Shard(1, 1).holds(i) for i in IDS)


PINNED = {"shard-0": 1, "shard-1": 2, "shard-2": 1, "shard-3": 1, "shard-4": 1, "shard-5": 2}


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "-1/2", "1/2/3", ""])
def test_a_bad_shard_is_a_usage_error(text: str, tmp_path: Path) -> None:
    result = build_site_cli(tmp_path / "site", "--shard", text, check=False)
    assert result.exit_code == 2
    assert "is not a shard: write I/N with 1 <= I <= N" in result.stderr


def test_a_shard_needs_the_cache_and_pdfs(tmp_path: Path) -> None:
    result = build_site_cli(tmp_path / "site", "--shard", "1/2", "--no-cache", check=False)
    assert result.exit_code == 1
    assert "cannot run with --no-cache" in result.stderr
    result = build_site_cli(tmp_path / "site", "--shard", "1/2", "--no-pdf", check=False)
    assert result.exit_code == 1
    assert "--shard renders PDFs, but this build makes none" in result.stderr
