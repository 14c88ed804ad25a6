"""`python -m dagster_project.run`: run the whole pipeline once, recorded in the
project's Dagster instance, and print what it produced."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path

from .settings import get_settings


def ensure_sample_landing(settings) -> None:
    """The bundled sample is generated on first use, not committed."""
    if settings.landing_is_sample and not any(settings.landing_dir.glob("*/*/*")):
        from sources.generator import generate

        print(f"Generating the bundled sample landing data ({settings.sample_scale}) in {settings.landing_dir} ...")
        generate(settings.landing_dir, scale=settings.sample_scale)


def fingerprint(settings) -> str:
    """What a published run was built from: every landed file's content, the dbt
    project, the expectation suites, the feed contracts and the settings dbt sees."""
    from .ingest.contracts import load_contracts
    from .ingest.landing import discover, sha256_of
    from .settings import CONTRACTS_DIR, EXPECTATIONS_DIR
    from .transform import ensure_manifest

    digest = hashlib.sha256(ensure_manifest().read_bytes())
    for contract in load_contracts():
        for landed in discover(contract, settings.landing_dir, settings.config_dir):
            digest.update(f"{landed.key}={sha256_of(landed.path)}".encode())
    for path in sorted([*EXPECTATIONS_DIR.rglob("*.json"), *CONTRACTS_DIR.glob("*.yml")]):
        digest.update(path.read_bytes())
    digest.update(json.dumps(settings.dbt_vars(), sort_keys=True).encode())
    digest.update(str(settings.serving_storage_version).encode())
    return digest.hexdigest()


def _state_file(settings) -> Path:
    return settings.data_dir / "last_published_run.json"


def up_to_date(settings, current: str) -> str | None:
    """The run id of the last published run when nothing has changed since it."""
    state = _state_file(settings)
    if not (state.exists() and settings.serving_path.exists()):
        return None
    last = json.loads(state.read_text())
    return last.get("run_id") if last.get("fingerprint") == current else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="run even when nothing changed since the last published run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    settings = get_settings()
    settings.ensure_dirs()
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    ensure_sample_landing(settings)

    from dagster import DagsterInstance

    from .definitions import JOB_NAME, build_definitions
    from .summary import print_summary

    current = fingerprint(settings)
    last_run = None if args.force else up_to_date(settings, current)
    if last_run:
        print(
            f"Up to date: no new or changed extract, and the same models, audits and settings as "
            f"published run {last_run}. Nothing to do (`make run ARGS=--force` rebuilds)."
        )
        print_summary(settings, None, 0.0)
        return 0

    started = time.monotonic()
    with DagsterInstance.get() as instance:
        job = build_definitions(settings).resolve_job_def(JOB_NAME)
        # INFO shows each step and each dbt model as it finishes; DEBUG events stay in the
        # instance, where `make dev` shows them.
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
        print_summary(settings, result, time.monotonic() - started)
    if result.success:
        _state_file(settings).write_text(json.dumps({"run_id": result.run_id, "fingerprint": current}))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
