"""Nothing from outside: a briefing cannot make the PDF read a local file, call a server or
carry an attachment, and a template can reach only the project's own assets."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from pypdf.generic import StreamObject

from sitroom import pdf
from sitroom.load import load_bytes
from sitroom.pdfbuild import links_for
from sitroom.printopts import PrintOptions
from sitroom.resources import TemplateChain
from test_pdf_support import (  # noqa: F401 - the fixture is used by every test here
    OPTIONS,
    TEMPLATES,
    all_objects,
    corpus_of,
    example_data,
    flat,
    image_objects,
    no_weasyprint_warnings,
    page_texts,
    reader_of,
    standalone,
    write_briefing,
)

PASSWD = Path("/etc/passwd")


class Server:
    """A local HTTP server that records every request it gets (and serves a tiny PNG)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(_PNG)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"


_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8ff3f0005fe02fea7d6a2e40000000049454e44ae426082")


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
        srv.thread.join(timeout=5)


def secret_line() -> str:
    line = next((ln for ln in PASSWD.read_text().splitlines() if ln.strip()), "")
    assert line, "this test needs a readable /etc/passwd"
    return line


def decompressed_streams(reader: PdfReader) -> Iterator[bytes]:
    for obj in all_objects(reader):
        if isinstance(obj, StreamObject):
            yield obj.get_data()


def test_hostile_briefing_gets_nothing_in(tmp_path: Path, server: Server) -> None:
    evil = [
        '<link rel="attachment" href="file:///etc/passwd">',
        '<img src="file:///etc/passwd">',
        "![x](file:///etc/passwd)",
        f"![remote]({server.url('markdown.png')})",
        f'<img src="{server.url("raw.png")}">',
        f'<link rel="stylesheet" href="{server.url("style.css")}">',
        f"<style>@import url({server.url('import.css')});</style>",
        f'<object data="{server.url("object")}"></object>',
        "[see](file:///etc/passwd)",
    ]
    data = standalone(example_data())
    data["summary"] = "Bottom line first.\n\n" + "\n\n".join(evil)
    data["actors"][0]["role"] = " ".join(evil)
    data["key_judgments"][0]["statement"] = " ".join(evil)
    data["timeline"][0]["event"] = " ".join(evil)
    data["risks"][0]["description"] = "\n\n".join(evil)
    corpus = corpus_of(write_briefing(tmp_path, data, "hostile-briefing"))
    briefing = corpus.briefings[0]

    raw = pdf.render_briefing(briefing, links_for(corpus, briefing), OPTIONS)
    reader = reader_of(raw)

    assert server.requests == []
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert image_objects(reader) == []
    secret = secret_line()
    assert secret.encode() not in raw
    streams = list(decompressed_streams(reader))
    assert any(b"TJ" in stream for stream in streams)  # the page contents were looked into
    assert all(secret.encode() not in stream for stream in streams)
    text = flat(" ".join(page_texts(reader)))
    assert secret not in text
    # The markup is shown to the reader as what it is: text.
    assert '<img src="file:///etc/passwd">' in text
    assert '<link rel="attachment" href="file:///etc/passwd">' in text


def test_a_source_url_must_be_http() -> None:
    data = standalone(example_data())
    data["sources"][0]["url"] = "file:///etc/passwd"
    loaded = load_bytes(yaml.safe_dump(data, allow_unicode=True).encode(), "x.yaml", "x-brief")
    assert loaded.briefing is None
    assert any(p.message.startswith("sources[0].url: 'file:///etc/passwd'")
               for p in loaded.problems), [p.message for p in loaded.problems]


# --- the fetcher ---------------------------------------------------------------------------


@pytest.fixture
def templates_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "pdf", copy / "pdf")
    shutil.copytree(TEMPLATES / "shared", copy / "shared")
    return copy


def test_fetcher_serves_project_assets_and_data_only(templates_copy: Path, tmp_path: Path,
                                                     server: Server) -> None:
    fetcher = pdf.AssetFetcher(TemplateChain.only(templates_copy))
    css = fetcher.fetch((templates_copy / "pdf" / "print.css").as_uri())
    assert css.read().startswith(b"/*") and css.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"

    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    (templates_copy / "pdf" / "link.css").symlink_to(outside)
    refused = [
        "file:///etc/passwd",
        (templates_copy / "pdf" / "link.css").as_uri(),  # a symlink out of the assets
        (templates_copy / "pdf").as_uri() + "/../../outside.txt",  # .. out of the assets
        (templates_copy / "pdf").as_uri(),  # a folder
        f"file://example.org{templates_copy / 'pdf' / 'print.css'}",  # a remote file host
        server.url("x.png"),
        server.url("x.png").replace("http:", "https:"),
        "ftp://127.0.0.1/x",
        "javascript:alert(1)",
    ]
    for url in refused:
        with pytest.raises(PermissionError):
            fetcher.fetch(url)
    assert fetcher.refused == refused
    assert server.requests == []


def test_a_template_reaching_out_fails_the_render(templates_copy: Path, server: Server) -> None:
    css = templates_copy / "pdf" / "print.css"
    css.write_text(f'@import url("{server.url("theme.css")}");\n' + css.read_text())
    html = "<html><head><link rel=stylesheet href=print.css></head><body><p>x</p></body></html>"
    with pytest.raises(pdf.PdfRenderError, match=r"theme\.css.*only use files under"):
        pdf.render_pdf(html, PrintOptions(TemplateChain.only(templates_copy)))
    assert server.requests == []


def test_a_template_cannot_attach_files(templates_copy: Path) -> None:
    html = ('<html><head><link rel=stylesheet href=print.css>'
            '<link rel=attachment href=print.css title=theme></head>'
            "<body><p>Attachment test</p></body></html>")
    reader = reader_of(pdf.render_pdf(html, PrintOptions(TemplateChain.only(templates_copy))))
    assert reader.attachments == {}
    assert "Attachment test" in page_texts(reader)[0]
