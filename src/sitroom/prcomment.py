"""Post the analytic diff on a pull request as one comment, edited in place on every push.

Runs inside a GitHub Actions job: GITHUB_API_URL, GITHUB_TOKEN and GITHUB_EVENT_PATH (the saved
pull-request event) say where and as whom. The comment carries a hidden marker, so the next run
finds it among the pull request's comments and edits it instead of adding another. Standard
library only: nothing to install in the workflow beyond sitroom itself.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MARKER = "<!-- sitroom-analytic-diff -->"
# GitHub refuses comment bodies over 65,536 characters.
MAX_BODY = 65_000
PAGE_SIZE = 100


class CommentError(Exception):
    """The comment could not be posted; the message says why, for the job's log."""


@dataclass(frozen=True)
class Target:
    api: str  # e.g. https://api.github.com, or GitHub Enterprise's /api/v3
    token: str
    repository: str  # owner/name
    number: int


def target_from_env(env: Mapping[str, str] | None = None) -> Target:
    env = os.environ if env is None else env
    missing = [n for n in ("GITHUB_API_URL", "GITHUB_TOKEN", "GITHUB_EVENT_PATH") if not env.get(n)]
    if missing:
        raise CommentError(f"{', '.join(missing)} not set; --post-comment runs in a GitHub "
                           "Actions job triggered by a pull request")
    try:
        with open(env["GITHUB_EVENT_PATH"], encoding="utf-8") as handle:
            event = json.load(handle)
    except (OSError, ValueError) as exc:
        raise CommentError(f"cannot read the event file {env['GITHUB_EVENT_PATH']}: {exc}") \
            from None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    repo = (event.get("repository") or {}).get("full_name") if isinstance(event, dict) else None
    if not isinstance(pull, dict) or not isinstance(pull.get("number"), int) or not repo:
        raise CommentError("the event is not a pull request event (no pull_request.number)")
    return Target(env["GITHUB_API_URL"].rstrip("/"), env["GITHUB_TOKEN"], repo, pull["number"])


def _request(target: Target, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        target.api + path, data=data, method=method,
        headers={
            "Authorization": f"Bearer {target.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "Content-Type": "application/json",
            "User-Agent": "sitroom",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise CommentError(f"GitHub answered {exc.code} to {method} {path}: "
                           f"{exc.read().decode('utf-8', 'replace')[:200]}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise CommentError(f"cannot reach {target.api}: {exc}") from None
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise CommentError(f"GitHub's answer to {method} {path} is not JSON") from None


def body_of(markdown: str) -> str:
    if len(markdown) > MAX_BODY:
        markdown = markdown[:MAX_BODY].rsplit("\n", 1)[0] + \
            "\n\n(cut short: run `sitroom diff` locally for the rest)\n"
    return f"{MARKER}\n{markdown}"


def find_comment(target: Target) -> int | None:
    """The id of this tool's earlier comment on the pull request, if any."""
    page = 1
    while True:
        comments = _request(target, "GET", f"/repos/{target.repository}/issues/{target.number}"
                                           f"/comments?per_page={PAGE_SIZE}&page={page}")
        if not isinstance(comments, list):
            raise CommentError("GitHub's list of comments is not a list")
        for comment in comments:
            if isinstance(comment, dict) and str(comment.get("body", "")).startswith(MARKER):
                return int(comment["id"])
        if len(comments) < PAGE_SIZE:
            return None
        page += 1


def post(markdown: str, target: Target) -> tuple[str, str]:
    """Create the comment, or edit the one posted before; ("created"|"updated", its URL)."""
    body = body_of(markdown)
    existing = find_comment(target)
    if existing is None:
        made = _request(target, "POST",
                        f"/repos/{target.repository}/issues/{target.number}/comments",
                        {"body": body})
        return "created", str((made or {}).get("html_url", ""))
    edited = _request(target, "PATCH", f"/repos/{target.repository}/issues/comments/{existing}",
                      {"body": body})
    return "updated", str((edited or {}).get("html_url", ""))
