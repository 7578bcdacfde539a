"""The few git operations the authoring commands need (read-only: nothing here commits)."""

from __future__ import annotations

import re
import subprocess

from livingreview.data.project import Project
from livingreview.data.releases import RELEASE_NAME, version_key
from livingreview.errors import LivingReviewError


class GitFailed(LivingReviewError):
    pass


def git(project: Project, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=project.root, capture_output=True, text=True, encoding="utf-8"
        )
    except OSError as exc:  # git not installed
        proc = subprocess.CompletedProcess(["git", *args], 127, "", f"cannot run git: {exc}")
    if check and proc.returncode != 0:
        raise GitFailed(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc


def file_at(project: Project, ref: str, path: str) -> str | None:
    """The text of ``path`` at ``ref``, or None when the file did not exist there."""
    proc = git(project, "show", f"{ref}:{path}", check=False)
    return proc.stdout if proc.returncode == 0 else None


def commit_of(project: Project, ref: str) -> str | None:
    proc = git(project, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def release_tags(project: Project) -> list[str]:
    """Tags ``vX.Y.Z``, oldest version first."""
    proc = git(project, "tag", "--list", "v*", check=False)
    names = [t.strip() for t in proc.stdout.splitlines() if RELEASE_NAME.match(t.strip())]
    return sorted(names, key=version_key)


def release_commit(project: Project, version: str) -> str | None:
    """The commit holding release ``version``: its tag, else the commit that recorded it."""
    commit = commit_of(project, f"refs/tags/v{version}")
    if commit:
        return commit
    for args in (
        ("--diff-filter=A", "--", f"releases/{version}.json"),
        ("-G", f"^{re.escape(version)},", "--", "data/releases.csv"),
    ):
        proc = git(project, "log", "--format=%H", "--reverse", *args, check=False)
        found = proc.stdout.split()
        if proc.returncode == 0 and found:
            return found[0]
    return None


def uncommitted(project: Project) -> list[str]:
    """``git status --porcelain`` lines (GitFailed if git cannot say)."""
    return git(project, "status", "--porcelain").stdout.splitlines()
