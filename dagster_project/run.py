"""`python -m dagster_project.run`: run the whole pipeline once, recorded in the
project's Dagster instance, and print what it produced."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from .settings import get_settings


def ensure_sample_landing(settings) -> None:
    """The bundled sample is generated on first use, not committed."""
    if settings.landing_is_sample and not any(settings.landing_dir.glob("*/*/*")):
        from sources.generator import generate

        print(f"Generating the bundled sample landing data ({settings.sample_scale}) in {settings.landing_dir} ...")
        generate(settings.landing_dir, scale=settings.sample_scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="run even when nothing changed since the last published run")
    parser.add_argument(
        "--accept-shrink",
        action="store_true",
        help="publish even when a mart lost more than IMPACT_MAX_SHRINK of its rows since the last publish",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    settings = get_settings()
    settings.ensure_dirs()
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    ensure_sample_landing(settings)

    from .ingest.contracts import load_contracts
    from .ingest.landing import LandingError, check_landing

    try:
        check_landing(load_contracts(), settings.landing_dir, settings.config_dir)
    except LandingError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2

    from dagster import DagsterInstance

    from .definitions import JOB_NAME, build_definitions
    from .summary import print_summary

    from .state import up_to_date
    from .transform import ensure_manifest

    last_run = None if args.force else up_to_date(settings, ensure_manifest())
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
            run_config={
                "loggers": {"console": {"config": {"log_level": "INFO"}}},
                "ops": {"serving__published_marts": {"config": {"accept_shrink": args.accept_shrink}}},
            },
        )
        print_summary(settings, result, time.monotonic() - started)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
