"""Editors: the real yaml-language-server (npm, package.json) over LSP on stdio, configured
with this repository's `.vscode/settings.json` as VS Code would pass it on.

A briefing anywhere under briefings/ gets the schema (diagnostics at three depths, none for a
YAML file elsewhere); `tlp:` and `likelihood:` complete their canonical values, each with its
meaning."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO

SERVER = REPO / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
EXAMPLE = REPO / "templates" / "init" / "briefings" / "2025" / "2025-01-15-example-port-strike.yaml"
TIMEOUT = 30


class Client:
    """A minimal LSP client: requests, notifications, and the server's messages in a queue."""

    def __init__(self, root: Path) -> None:
        node = shutil.which("node")
        if node is None or not SERVER.exists():
            pytest.fail("yaml-language-server is not installed: make node_modules/.installed-stamp")
        self.proc = subprocess.Popen([node, str(SERVER), "--stdio"], cwd=root,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.settings: dict[str, Any] = {}  # by section, as the editor would answer
        self._id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            self.messages.put(json.loads(out.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self._id += 1
        wanted = self._id
        self._send({"id": wanted, "method": method, "params": params})
        for message in self._incoming():
            if message.get("id") == wanted and "method" not in message:
                assert "error" not in message, message
                return message.get("result")
        raise AssertionError(f"no answer to {method}")

    def wait_for_diagnostics(self, uri: str) -> list[dict[str, Any]]:
        if uri in self.diagnostics:
            return self.diagnostics[uri]
        for _ in self._incoming():
            if uri in self.diagnostics:
                return self.diagnostics[uri]
        raise AssertionError(f"no diagnostics for {uri}")

    def _incoming(self) -> Iterator[dict[str, Any]]:
        while True:
            try:
                message = self.messages.get(timeout=TIMEOUT)
            except queue.Empty:
                return
            if message.get("method") == "textDocument/publishDiagnostics":
                params = message["params"]
                self.diagnostics[params["uri"]] = params["diagnostics"]
            elif message.get("method") == "workspace/configuration":
                items = message["params"]["items"]
                self._send({"id": message["id"],
                            "result": [self.settings.get(i.get("section"), {}) for i in items]})
            elif "method" in message and "id" in message:  # another request from the server
                self._send({"id": message["id"], "result": None})
            yield message

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's editor settings and schema, as a workspace folder."""
    root = tmp_path_factory.mktemp("workspace")
    shutil.copytree(REPO / ".vscode", root / ".vscode")
    shutil.copytree(REPO / "schema", root / "schema")
    return root


@pytest.fixture(scope="module")
def client(workspace: Path) -> Iterator[Client]:
    client = Client(workspace)
    settings = json.loads((workspace / ".vscode" / "settings.json").read_text())
    client.settings["yaml"] = {
        "schemas": settings["yaml.schemas"],
        "validate": True,
        "completion": True,
        "hover": True,
        "schemaStore": {"enable": False},  # no network: only the project's own schema
    }
    client.request("initialize", {
        "processId": None,
        "rootUri": workspace.as_uri(),
        "workspaceFolders": [{"uri": workspace.as_uri(), "name": workspace.name}],
        "capabilities": {
            "workspace": {"configuration": True},
            "textDocument": {
                "completion": {"completionItem": {"documentationFormat": ["plaintext"]}},
                "publishDiagnostics": {},
            },
        },
    })
    client.notify("initialized", {})
    client.notify("workspace/didChangeConfiguration", {"settings": client.settings})
    yield client
    client.close()


def open_document(client: Client, workspace: Path, relative: str, text: str) -> str:
    path = workspace / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    return uri


BAD_LIKELIHOOD = EXAMPLE.read_text(encoding="utf-8").replace(
    "    likelihood: very likely\n", "    likelihood: probably maybe\n", 1)
BAD_LINE = BAD_LIKELIHOOD.splitlines().index("    likelihood: probably maybe")


@pytest.mark.parametrize("folder", ["briefings", "briefings/a", "briefings/a/b"])
def test_a_bad_likelihood_is_flagged_at_any_depth(client: Client, workspace: Path,
                                                  folder: str) -> None:
    uri = open_document(client, workspace, f"{folder}/2025-01-15-bad.yaml", BAD_LIKELIHOOD)
    diagnostics = client.wait_for_diagnostics(uri)
    assert [d["range"]["start"]["line"] for d in diagnostics] == [BAD_LINE], diagnostics
    assert "almost certain" in diagnostics[0]["message"]  # the allowed words are listed


def test_yaml_outside_briefings_gets_no_schema(client: Client, workspace: Path) -> None:
    uri = open_document(client, workspace, "docs/notes.yaml", BAD_LIKELIHOOD)
    assert client.wait_for_diagnostics(uri) == []


def completion(client: Client, workspace: Path, name: str, before: str, after: str) -> dict[
        str, str]:
    """Labels and documentation offered with the cursor right after `after` (which replaces
    `before` in the example)."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(before, after, 1)
    uri = open_document(client, workspace, f"briefings/x/{name}.yaml", text)
    line = text.splitlines().index(after.rstrip("\n"))
    result = client.request("textDocument/completion", {
        "textDocument": {"uri": uri},
        "position": {"line": line, "character": len(after.rstrip("\n"))},
    })
    items = result["items"] if isinstance(result, dict) else result
    return {item["label"]: _text(item.get("documentation")) for item in items}


def _text(documentation: Any) -> str:
    if isinstance(documentation, dict):
        return str(documentation.get("value", ""))
    return str(documentation or "")


def test_tlp_completes_its_markings_with_their_meaning(client: Client, workspace: Path) -> None:
    offered = completion(client, workspace, "tlp", "tlp: CLEAR\n", "tlp: \n")
    assert set(offered) >= {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"}, offered
    assert offered["RED"].startswith("TLP 2.0: For the eyes and ears of individual recipients")
    assert "no limit on disclosure" in offered["CLEAR"]


def test_likelihood_completes_the_icd_203_words(client: Client, workspace: Path) -> None:
    offered = completion(client, workspace, "likelihood", "    likelihood: very likely\n",
                         "    likelihood: \n")
    words = ["almost no chance", "very unlikely", "unlikely", "roughly even chance", "likely",
             "very likely", "almost certain"]
    assert set(offered) >= set(words), offered
    assert offered["roughly even chance"] == "ICD 203: 45\u201355 % probability"
    assert offered["almost certain"] == "ICD 203: 95\u201399 % probability"
