"""What `sitroom check` accepts, the PDF build renders; what it refuses for the fonts, the
renderer would refuse too. A varied corpus: many scripts, combining marks, bidi text, long
tokens, long lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sitroom import pdf
from sitroom.corpus import gather
from sitroom.pdfbuild import build_pdfs, links_for
from test_pdf_support import (  # noqa: F401 - the fixture is used by every test here
    OPTIONS,
    TEMPLATES,
    example_data,
    no_weasyprint_warnings,
    standalone,
    write_briefing,
)

pytestmark = pytest.mark.pdf

# Names as analysts write them, in the scripts of the crises they cover.
PRINTABLE = {
    "arabic": "المقاومة الإسلامية في العراق",
    "persian": "سپاه پاسداران انقلاب اسلامی",
    "persian-zwnj": "می\u200cخواهند",
    "hebrew": "צבא ההגנה לישראל",
    "urdu-free": "پاکستان",
    "russian": "Вооружённые силы Российской Федерации",
    "ukrainian": "Збройні сили України",
    "greek": "Ελληνική Δημοκρατία",
    "armenian": "Հայաստանի Հանրապետություն",
    "georgian": "საქართველო",
    "chinese": "中国人民解放军",
    "japanese": "自衛隊のカタカナとひらがな",
    "korean": "대한민국 국군",
    "thai": "กองทัพไทย",
    "myanmar": "တပ်မတော်",
    "hindi": "भारतीय सेना",
    "bengali": "বাংলাদেশ সেনাবাহিনী",
    "amharic": "የኢትዮጵያ ብሔራዊ መከላከያ ሠራዊት",
    "tigrinya": "ህዝባዊ ግንባር",
    "vietnamese": "Quân đội nhân dân Việt Nam",
    "turkish": "Türk Silahlı Kuvvetleri",
    "combining": "Cafe\u0301 de\u0301cor",
    "mixed-direction": "Hezbollah (حزب الله) and IDF (צה״ל) 2024",
}
# Scripts none of the shipped fonts has: check refuses them, and so would the renderer.
UNPRINTABLE = {
    "tamil": "தமிழீழ விடுதலைப் புலிகள்",
    "sinhala": "ශ්‍රී ලංකා යුද්ධ හමුදාව",
    "khmer": "កងយោធពលខេមរភូមិន្ទ",
    "tibetan": "བོད་ཀྱི་",
    "syriac": "ܐܬܘܪ",
    "mongolian": "ᠮᠣᠩᠭᠣᠯ",
    "gurmukhi": "ਪੰਜਾਬ",
}


def _with_names(names: dict[str, str], ident: str) -> dict[str, Any]:
    data = standalone(example_data())
    data["id"] = ident
    actors = data["actors"]
    for number, (label, name) in enumerate(names.items()):
        actor = dict(actors[number % len(actors)])
        actor.update(id=f"actor-{label}", name=f"Actor {label}", native_name=name,
                     role=f"Named {name} in its own script; it holds the line.")
        actors.append(actor)
    data["summary"] += "\n\n" + " / ".join(names.values())
    data["timeline"].append({"date": "2024-08", "event": "Line one, line two: "
                             + "; ".join(names.values())})
    return data


def _long(data: dict[str, Any]) -> dict[str, Any]:
    hash_like = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" * 2
    data["actors"][0]["role"] = f"Wallet {hash_like} holds the funds."
    data["sources"][0]["url"] = "https://example.org/" + "a" * 150 + "?q=" + "b" * 60
    data["timeline"] += [{"date": f"2024-07-{day:02d}", "event": f"Event {day} {hash_like}"}
                         for day in range(1, 29)]
    data["risks"][0]["indicators"] = [f"Indicator {n}" for n in range(40)]
    data["gaps"] = [f"Gap {n}: \u202eright-to-left\u202c text" for n in range(30)]
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("varied") / "briefings"
    labels = list(PRINTABLE)
    for part in range(0, len(labels), 8):
        chunk = {label: PRINTABLE[label] for label in labels[part : part + 8]}
        write_briefing(root, _with_names(chunk, f"printable-{part}"), f"printable-{part}")
    write_briefing(root, _long({**standalone(example_data()), "id": "long-things"}),
                   "long-things")
    for label, name in UNPRINTABLE.items():
        write_briefing(root, _with_names({label: name}, f"unprintable-{label}"),
                       f"unprintable-{label}")
    return root


def test_every_briefing_check_accepts_renders(folder: Path, tmp_path: Path) -> None:
    checked = gather([folder])
    refused = {Path(p.path).stem for p in checked.errors}
    assert refused == {f"unprintable-{label}" for label in UNPRINTABLE}, \
        [p.gnu() for p in checked.errors]
    accepted = checked.corpus
    assert len(accepted.briefings) == len(list(folder.glob("*.yaml"))) - len(UNPRINTABLE)
    written = build_pdfs(accepted, tmp_path, OPTIONS, jobs=2)
    assert len(written) == len(accepted.briefings)


@pytest.mark.parametrize("label", sorted(UNPRINTABLE))
def test_what_check_refuses_for_the_fonts_the_renderer_refuses(folder: Path, label: str) -> None:
    """check is not stricter than the build: bypassing it, the PDF still cannot be made."""
    checked = gather([folder / f"unprintable-{label}.yaml"])
    assert all("the PDF fonts cannot draw" in p.message for p in checked.errors)
    item = checked.loaded[0]
    assert item.partial is None and item.briefing is None
    base = gather([folder / "printable-0.yaml"]).corpus.briefings[0]
    actors = [actor.model_copy() for actor in base.actors]
    actors[0] = actors[0].model_copy(update={"native_name": UNPRINTABLE[label]})
    briefing = base.model_copy(update={"actors": actors})
    with pytest.raises(pdf.PdfRenderError, match="in none of the PDF fonts"):
        pdf.render_briefing(briefing, links_for(gather([folder / "printable-0.yaml"]).corpus,
                                                briefing), OPTIONS)
