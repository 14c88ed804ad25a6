"""Opt-in read access for a BI service account (IMPACT_PUBLISH_GROUP): everything under
the data directory stays owner-only, except that, when the setting names a group the
pipeline's user belongs to, each published run's folder (serving file, Parquet exports,
report) becomes readable by that group, and the data directory and published/ let the
group pass through to it (but not list them). The warehouse, the landing data, the
quarantine, dbt's artifacts and Dagster's storage stay owner-only."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path


def group_problem(name: str) -> str | None:
    """Why the group cannot be used: unknown, or the pipeline's user is not in it."""
    try:
        gid = grp.getgrnam(name).gr_gid
    except KeyError:
        return f"IMPACT_PUBLISH_GROUP={name!r}: no such group on this machine"
    if os.geteuid() != 0 and gid != os.getegid() and gid not in os.getgroups():
        return f"IMPACT_PUBLISH_GROUP={name!r}: the pipeline's user is not a member, so it cannot hand files to it"
    return None


def share_tree(root: Path, group: str) -> None:
    """root and everything below it: the group's, readable by it (folders 0750, files 0640)."""
    gid = grp.getgrnam(group).gr_gid
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        os.chown(path, -1, gid)
        path.chmod(0o750 if path.is_dir() else 0o640)


def let_through(folder: Path, group: str) -> None:
    """The group may pass through folder to a shared run, not list what else is in it (0710)."""
    os.chown(folder, -1, grp.getgrnam(group).gr_gid)
    folder.chmod(0o710)


def allowed_mode_bits(group: str) -> int:
    """The permission bits beyond the owner's that the data directory may carry."""
    return stat.S_IXGRP if group else 0
