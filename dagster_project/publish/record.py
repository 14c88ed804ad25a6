"""What the last published run was built from, so that a run with nothing new to
do can say so instead of rebuilding.

The publish asset records, inside the published run's folder (so that the one switch
of published/current flips it with the marts), the code fingerprint (dbt project,
expectation suites, feed contracts, settings dbt sees, and a fingerprint of the
person-key secret, never the secret) and the ledger's files and hashes as of
publishing, i.e. exactly what the published marts contain. Everything is up to date
when the code is the same and the landing folder holds exactly those files with
those bytes.

No Dagster here: the schedule and the run CLI ask up_to_date before starting a run."""

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ..ingest import erasure, hashes, ledger
from ..ingest.contracts import load_contracts
from ..ingest.landing import discover
from ..settings import CONTRACTS_DIR, EXPECTATIONS_DIR, REPO_ROOT, Settings
from .switch import RECORD, Layout

# Python the dbt models run, which the manifest does not hold: the new starters'
# estimators, the person-key and comment-scrubbing functions.
_PACKAGE = REPO_ROOT / "dagster_project"
_MODEL_PYTHON = [*(_PACKAGE / "stats").glob("*.py"), *(_PACKAGE / "dbt_plugins").glob("*.py"), _PACKAGE / "text_scrub.py"]


def code_fingerprint(settings: Settings, manifest: Path) -> str:
    digest = hashlib.sha256(manifest.read_bytes())
    for path in sorted([*EXPECTATIONS_DIR.rglob("*.json"), *CONTRACTS_DIR.glob("*.yml"), *_MODEL_PYTHON]):
        digest.update(path.read_bytes())
    digest.update(json.dumps(settings.dbt_vars(), sort_keys=True).encode())
    # Another secret makes other keys: a change of secret is a change of code.
    digest.update(settings.secret_fingerprint.encode())
    digest.update(str(settings.serving_storage_version).encode())
    return digest.hexdigest()


def landed_files(settings: Settings, known: hashes.Known | None = None) -> dict[str, str]:
    """Every landed file with the hash of its bytes; a file that has not changed since
    ingest hashed it (`known`, from the warehouse) is not read again."""
    files = [
        landed
        for contract in load_contracts()
        for landed in discover(contract, settings.landing_dir, settings.config_dir)
    ]
    return hashes.landed_digests(files, known or {})


def state_file(settings: Settings) -> Path:
    """The record of the published run: inside the folder published/current names."""
    return Layout(settings.data_dir).current / RECORD


def warehouse_ledger(settings: Settings) -> dict[str, str] | None:
    """The files (and hashes) the warehouse's raw layer holds; None when unreadable."""
    return warehouse_state(settings)[0]


def warehouse_state(settings: Settings) -> tuple[dict[str, str] | None, hashes.Known]:
    """The warehouse's ledger (None when unreadable) and the file hashes it recorded."""
    try:
        conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except duckdb.Error:
        return None, {}
    try:
        return ledger.loaded_files(conn), hashes.known_hashes(conn)
    except duckdb.Error:
        return None, {}
    finally:
        conn.close()


def record_published(
    folder: Path,
    settings: Settings,
    run_id: str,
    previous_run_id: str | None,
    manifest: Path,
    tables: dict[str, int],
) -> None:
    """Called by the publish asset, last, inside the folder it is about to publish."""
    files = warehouse_ledger(settings) or {}
    record = {
        "run_id": run_id,
        "previous_run_id": previous_run_id,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": tables,
        "code": code_fingerprint(settings, manifest),
        "ledger": files,
    }
    (folder / RECORD).write_text(json.dumps(record))


def up_to_date(settings: Settings, manifest: Path) -> str | None:
    """The run id of the last published run when nothing has changed since it."""
    path = state_file(settings)
    if not (path.exists() and settings.serving_path.exists()):
        return None
    if erasure.outstanding(settings.config_dir, settings.warehouse_path):
        return None  # a person to erase is a change, whatever the landing folder holds
    last = json.loads(path.read_text())
    held, known = warehouse_state(settings)
    landed = landed_files(settings, known)
    # The warehouse must hold what the landing folder holds too: a file withdrawn after a
    # failed audit is still in raw until a run retracts it.
    if (
        last.get("code") != code_fingerprint(settings, manifest)
        or last.get("ledger") != landed
        or held != landed
    ):
        return None
    return last.get("run_id")


def report_unfinished(settings: Settings) -> bool:
    """The published run has no report page (published by a version of the pipeline that
    wrote it after the switch, and stopped in between): the figures are published, their
    report is not."""
    from .switch import REPORT, REPORT_PAGE, Layout

    layout = Layout(settings.data_dir)
    run_id = layout.current_run_id()
    return run_id is not None and not (layout.folder(run_id) / REPORT / REPORT_PAGE).exists()
