"""Hub upload (one commit, tagged), the token's secrecy, and loading tagged versions back.

The write path runs against `FakeHub`, which records the calls and turns them into a real
local git repository (a commit per upload, a tag per release). The read path then serves
that repository with olah on 127.0.0.1 (tests/hubserver.py) and loads each tag with
`datasets` and `huggingface_hub` in a fresh interpreter (both read HF_ENDPOINT at import).
"""

from __future__ import annotations

import fnmatch
import inspect
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline import hub
from pipeline.cli import main
from pipeline.hub import HubError, push_release
from tests.conftest import declared_counts
from tests.hubserver import local_hub
from tests.test_diff import NEW_SENTENCE, OLD_SENTENCE, make_two_releases

REPO = "wikitext-corpus/clean"
FAKE_TOKEN = "hf_FAKEtokenNEVERshown0123456789abcdefXYZ"
GIT = [
    "git",
    "-c",
    "user.name=fake-hub",
    "-c",
    "user.email=fake-hub@example.invalid",
    "-c",
    "tag.gpgsign=false",
]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


class FakeHub:
    """Records HfApi calls; keeps the dataset repository as a local git repository."""

    def __init__(self, mirrors: Path, token: str | None = None) -> None:
        self.mirrors, self.token = mirrors, token
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def repo(self, repo_id: str) -> Path:
        return self.mirrors / "datasets" / repo_id

    def record(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Keep the call, after checking it fits the real HfApi method's signature."""
        from huggingface_hub import HfApi

        bound = inspect.signature(getattr(HfApi, name)).bind(None, *args, **kwargs)
        self.calls.append((name, {k: v for k, v in bound.arguments.items() if k != "self"}))

    def list_repo_refs(self, repo_id: str, *, repo_type: str) -> Any:
        from huggingface_hub.errors import RepositoryNotFoundError

        self.record("list_repo_refs", repo_id, repo_type=repo_type)
        if not self.repo(repo_id).exists():
            response = SimpleNamespace(headers={}, request=None, status_code=404)
            raise RepositoryNotFoundError(f"{repo_id} not found", response=response)  # type: ignore[arg-type]
        tags = git(self.repo(repo_id), "tag", "--list").split()
        return SimpleNamespace(tags=[SimpleNamespace(name=t) for t in tags])

    def create_repo(self, repo_id: str, *, repo_type: str, exist_ok: bool) -> None:
        self.record("create_repo", repo_id, repo_type=repo_type, exist_ok=exist_ok)
        path = self.repo(repo_id)
        if not path.exists():
            path.mkdir(parents=True)
            git(path, "init", "-q", "-b", "main")
            (path / ".gitattributes").write_text("*.parquet filter=lfs diff=lfs merge=lfs -text\n")
            git(path, "add", "-A")
            git(path, "commit", "-q", "-m", "initial commit")

    def upload_folder(self, **kwargs: Any) -> Any:
        self.record("upload_folder", **kwargs)
        path, source = self.repo(kwargs["repo_id"]), Path(kwargs["folder_path"])
        for tracked in git(path, "ls-files").splitlines():
            if any(fnmatch.fnmatch(tracked, p) for p in kwargs.get("delete_patterns") or []):
                (path / tracked).unlink()
        shutil.copytree(source, path, dirs_exist_ok=True)
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", kwargs["commit_message"])
        return SimpleNamespace(oid=git(path, "rev-parse", "HEAD"))

    def create_tag(self, repo_id: str, *, tag: str, revision: str, repo_type: str, tag_message: str) -> None:
        self.record(
            "create_tag", repo_id, tag=tag, revision=revision, repo_type=repo_type, tag_message=tag_message
        )
        git(self.repo(repo_id), "tag", "-a", tag, revision, "-m", tag_message)


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_two_releases(tmp_path_factory.mktemp("hub"))


@pytest.fixture(scope="module")
def pushed(processed: Path, tmp_path_factory: pytest.TempPathFactory) -> FakeHub:
    """Both releases pushed, in order, to one fake Hub repository."""
    fake = FakeHub(tmp_path_factory.mktemp("mirrors"))
    for version in ("v1.0.0", "v1.1.0"):
        push_release(processed / "releases" / version, REPO, fake)
    return fake


# ----------------------------------------------------------------- write path


def test_each_release_is_one_commit_and_its_tag_names_that_commit(pushed: FakeHub) -> None:
    repo = pushed.repo(REPO)
    uploads = [kw for name, kw in pushed.calls if name == "upload_folder"]
    tags = [kw for name, kw in pushed.calls if name == "create_tag"]
    assert len(uploads) == 2 and [t["tag"] for t in tags] == ["v1.0.0", "v1.1.0"]
    assert all(u["repo_type"] == "dataset" and u["delete_patterns"] == hub.DELETE_PATTERNS for u in uploads)
    log = git(repo, "log", "--format=%H %s").splitlines()
    assert [line.split(" ", 1)[1] for line in log] == ["Release v1.1.0", "Release v1.0.0", "initial commit"]
    for tag in tags:
        assert git(repo, "rev-list", "-n", "1", tag["tag"]) == tag["revision"]
    assert git(repo, "rev-list", "-n", "1", "v1.1.0") == log[0].split()[0]


def test_old_shards_are_deleted_in_the_new_commit(pushed: FakeHub) -> None:
    repo = pushed.repo(REPO)
    old = git(repo, "ls-tree", "-r", "--name-only", "v1.0.0", "data/sentences").split()
    new = git(repo, "ls-tree", "-r", "--name-only", "v1.1.0", "data/sentences").split()
    assert old == [
        "data/sentences/train-00000-of-00002.parquet",
        "data/sentences/train-00001-of-00002.parquet",
    ]
    assert new == [
        "data/sentences/train-00000-of-00001.parquet",
        "data/sentences/validation-00000-of-00001.parquet",
    ]
    assert ".gitattributes" in git(repo, "ls-tree", "--name-only", "v1.1.0").split()


def test_an_existing_tag_is_refused_and_nothing_is_uploaded(processed: Path, pushed: FakeHub) -> None:
    head = git(pushed.repo(REPO), "rev-parse", "HEAD")
    n_calls = len(pushed.calls)
    with pytest.raises(HubError, match=r"already has a tag v1\.0\.0"):
        push_release(processed / "releases" / "v1.0.0", REPO, pushed)
    assert git(pushed.repo(REPO), "rev-parse", "HEAD") == head
    assert [name for name, _ in pushed.calls[n_calls:]] == ["list_repo_refs"]


def test_a_damaged_release_is_not_uploaded(processed: Path, tmp_path: Path) -> None:
    release = tmp_path / "v1.1.0"
    shutil.copytree(processed / "releases" / "v1.1.0", release)
    next((release / "data" / "sentences").glob("*.parquet")).unlink()
    fake = FakeHub(tmp_path / "mirrors")
    with pytest.raises(HubError, match="failed validation; nothing uploaded"):
        push_release(release, REPO, fake)
    assert fake.calls == []


def test_the_token_is_used_but_never_shown(
    processed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    made: list[FakeHub] = []

    def fake_api(token: str) -> FakeHub:
        made.append(FakeHub(tmp_path / "mirrors", token))
        return made[-1]

    monkeypatch.setattr(hub, "make_api", fake_api)
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    caplog.set_level(logging.DEBUG)
    args = ["-vv", "--processed", str(processed), "publish", "--to-hub", REPO, "--release", "1.1.0"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert made and made[0].token == FAKE_TOKEN  # it was used
    assert f"{REPO}: uploaded as commit" in result.output and "tagged v1.1.0" in result.output
    assert FAKE_TOKEN not in result.output
    assert FAKE_TOKEN not in caplog.text
    for folder in (tmp_path, processed):
        for path in folder.rglob("*"):
            if path.is_file():
                assert FAKE_TOKEN.encode() not in path.read_bytes(), path
    again = CliRunner().invoke(main, args)  # the error path does not show it either
    assert again.exit_code == 1 and "already has a tag v1.1.0" in again.output
    assert FAKE_TOKEN not in again.output and FAKE_TOKEN not in caplog.text


def test_publish_to_hub_publishes_locally_then_uploads(
    processed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "processed"
    shutil.copytree(processed, work, symlinks=True)
    fake = FakeHub(tmp_path / "mirrors")
    monkeypatch.setattr(hub, "make_api", lambda token: fake)
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    result = CliRunner().invoke(
        main, ["--processed", str(work), "publish", "--version", "1.2.0", "--to-hub", REPO]
    )
    assert result.exit_code == 0, result.output
    assert "v1.2.0 published" in result.output and "tagged v1.2.0" in result.output
    assert (work / "dataset").resolve().name == "v1.2.0"
    assert git(fake.repo(REPO), "tag", "--list").split() == ["v1.2.0"]
    assert "No change in content since v1.1.0" in (work / "releases" / "v1.2.0" / "README.md").read_text(
        encoding="utf-8"
    )


def test_no_token_is_a_clear_error(processed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub, "hub_token", lambda: None)
    args = ["--processed", str(processed), "publish", "--to-hub", REPO, "--release", "1.1.0"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "no Hugging Face token: set HF_TOKEN" in result.output


def test_release_without_to_hub_is_a_usage_error(processed: Path) -> None:
    result = CliRunner().invoke(main, ["--processed", str(processed), "publish", "--release", "1.1.0"])
    assert result.exit_code == 2 and "give --to-hub too" in result.output


# ----------------------------------------------------------------- read path, served by olah

READ_SCRIPT = """
import json, sys
import datasets
from huggingface_hub import snapshot_download

repo, mode = sys.argv[1], sys.argv[2]

def rows(ds):
    return {split: d.num_rows for split, d in ds.items()} | {"first": ds["train"][0]["text"]}

out = {}
if mode == "online":
    for rev in ("v1.0.0", "v1.1.0"):
        out[rev] = rows(datasets.load_dataset(repo, "sentences", revision=rev))
        out[rev]["snapshot"] = snapshot_download(repo, repo_type="dataset", revision=rev)
else:  # offline, from the cache the online run filled
    for rev in ("v1.0.0", "v1.1.0"):
        try:
            out["load_dataset " + rev] = rows(datasets.load_dataset(repo, "sentences", revision=rev))
        except Exception as exc:
            out["load_dataset " + rev] = type(exc).__name__ + ": " + str(exc)[:300]
        path = snapshot_download(repo, repo_type="dataset", revision=rev)
        out["snapshot_download " + rev] = rows(datasets.load_dataset(path, "sentences")) | {"snapshot": path}
print("RESULT " + json.dumps(out))
"""


def hub_env(endpoint: str, home: Path, offline: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    env |= {
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(home),
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    if offline:
        env |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def read_result(proc: subprocess.CompletedProcess) -> dict[str, Any]:
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_tagged_versions_load_from_a_local_hub(pushed: FakeHub, processed: Path, tmp_path: Path) -> None:
    old = declared_counts(processed / "releases" / "v1.0.0")["sentences"]
    new = declared_counts(processed / "releases" / "v1.1.0")["sentences"]
    home = tmp_path / "hf"
    with local_hub(pushed.mirrors, tmp_path / "olah") as endpoint:
        online = read_result(run_python(["-c", READ_SCRIPT, REPO, "online"], hub_env(endpoint, home)))
        validated = run_python(
            ["-m", "pipeline", "validate", f"{REPO}@v1.1.0", "--json", "-"], hub_env(endpoint, home)
        )
        missing = run_python(["-m", "pipeline", "validate", f"{REPO}@v9.9.9"], hub_env(endpoint, home))
    assert {k: v for k, v in online["v1.0.0"].items() if k in ("train", "validation")} == old
    assert online["v1.0.0"]["first"].startswith(OLD_SENTENCE)
    assert (online["v1.1.0"]["train"], online["v1.1.0"]["validation"]) == (new["train"], new["validation"])
    assert online["v1.1.0"]["first"].startswith(NEW_SENTENCE)

    assert validated.returncode == 0, validated.stdout + validated.stderr
    report = json.loads(validated.stdout[validated.stdout.index("\n{\n") :])
    assert report["ok"] and report["target"] == f"{REPO}@v1.1.0"
    assert report["counts"]["sentences"] == new
    assert missing.returncode == 1 and f"{REPO}@v9.9.9: cannot download this revision" in missing.stderr

    # Offline (server gone), the trap: load_dataset(repo, revision=tag) returns the newest
    # cached version whatever the tag; snapshot_download(revision=tag) finds the tag's snapshot.
    offline = read_result(run_python(["-c", READ_SCRIPT, REPO, "offline"], hub_env(endpoint, home, True)))
    for rev in ("v1.0.0", "v1.1.0"):
        assert offline["snapshot_download " + rev] == online[rev]
        assert offline["load_dataset " + rev]["first"] == online["v1.1.0"]["first"]  # even for v1.0.0
    assert offline["load_dataset v1.0.0"]["first"].startswith(NEW_SENTENCE)
