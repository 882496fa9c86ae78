"""Hub: upload a release to a Hugging Face dataset repository as one commit, and tag it.

The tag (`vX.Y.Z`) is what users load (`load_dataset(repo, revision="v1.2.0")`), so it
must name exactly the commit holding that release: the upload is a single commit (data,
card, manifest, changelog, with the previous release's shards deleted in the same commit)
and the tag is created on that commit's id, not on whatever `main` is by then. A version
whose tag exists is refused: a published version never changes.

The token comes from `HF_TOKEN` or the saved login and is handed to the client only;
nothing here prints or logs it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pipeline.publish import PublishError
from pipeline.validate import validate_release

log = logging.getLogger("pipeline")
REPO_TYPE = "dataset"
# Files of an earlier release that this one may not have (its shard names and counts differ).
DELETE_PATTERNS = ["data/**", "figures/**"]


class HubError(PublishError):
    """A release could not be uploaded (nothing was tagged)."""


class HubApi(Protocol):
    """The part of `huggingface_hub.HfApi` used here (tests pass a fake)."""

    def list_repo_refs(self, repo_id: str, *, repo_type: str) -> Any: ...
    def create_repo(self, repo_id: str, *, repo_type: str, exist_ok: bool) -> Any: ...
    def upload_folder(self, **kwargs: Any) -> Any: ...
    def create_tag(
        self, repo_id: str, *, tag: str, revision: str, repo_type: str, tag_message: str
    ) -> Any: ...


@dataclass(frozen=True)
class HubPush:
    repo_id: str
    tag: str
    commit: str

    def describe(self) -> str:
        return f"{self.repo_id}: uploaded as commit {self.commit[:12]}, tagged {self.tag}"


def hub_token() -> str | None:
    """HF_TOKEN, else the token saved by `hf auth login` (None if neither)."""
    from huggingface_hub import get_token

    return os.environ.get("HF_TOKEN") or get_token()


def make_api(token: str) -> HubApi:
    from huggingface_hub import HfApi

    return HfApi(token=token)


def existing_tags(api: HubApi, repo_id: str) -> set[str]:
    """The repository's tags; none if it does not exist yet."""
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    except RepositoryNotFoundError:
        return set()
    return {t.name for t in refs.tags}


def release_version(release: Path) -> str:
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))["version"]


def push_release(release: Path, repo_id: str, api: HubApi) -> HubPush:
    """Upload a validated release as one commit and tag that commit `vX.Y.Z`."""
    report = validate_release(release)
    if not report.ok:
        raise HubError(f"{release} failed validation; nothing uploaded\n{report.render()}")
    tag = "v" + release_version(release)
    if tag in existing_tags(api, repo_id):
        raise HubError(
            f"{repo_id} already has a tag {tag}; published versions are immutable. "
            "Publish under a new version (--version X.Y.Z)."
        )
    api.create_repo(repo_id, repo_type=REPO_TYPE, exist_ok=True)
    commit = api.upload_folder(
        repo_id=repo_id,
        repo_type=REPO_TYPE,
        folder_path=str(release),
        commit_message=f"Release {tag}",
        delete_patterns=DELETE_PATTERNS,
    )
    log.info("%s: uploaded %s as commit %s", repo_id, tag, commit.oid)
    api.create_tag(repo_id, tag=tag, revision=commit.oid, repo_type=REPO_TYPE, tag_message=f"Release {tag}")
    return HubPush(repo_id, tag, commit.oid)


def upload_release(release: Path, repo_id: str, token: str | None = None) -> HubPush:
    """`push_release` with a client authenticated by `token`, HF_TOKEN or the saved login."""
    token = token or hub_token()
    if not token:
        raise HubError("no Hugging Face token: set HF_TOKEN or run `hf auth login`")
    return push_release(release, repo_id, make_api(token))
