"""`python -m dagster_project.run`: run the whole pipeline once, recorded in the
project's Dagster instance, and print what it produced. `--rollback` points the
published marts back to the run published before the current one."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
import warnings

from .settings import get_settings, private_files

# dbt's per-model output of the last run started here (the console shows one line per step).
RUN_LOG = "last_run.log"


def ensure_sample_landing(settings) -> None:
    """The bundled sample is generated on first use, not committed."""
    if settings.landing_is_sample and not any(settings.landing_dir.glob("*/*/*")):
        from sources.generator import generate

        print(f"Generating the bundled sample landing data ({settings.sample_scale}) in {settings.landing_dir} ...")
        generate(settings.landing_dir, scale=settings.sample_scale)


def rollback(settings) -> int:
    from .publish.switch import Layout, PublishError
    from .publish.switch import rollback as point_back

    layout = Layout(settings.data_dir)
    try:
        left, now = point_back(layout)
    except PublishError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    record = layout.record(now) or {}
    print(
        f"Rolled back: {settings.serving_path} and {settings.exports_dir} now lead to run {now} "
        f"(published {record.get('published_at', '?')}) instead of run {left}. BI tools see it at their next "
        "connection. The next run that finds anything changed publishes again."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    from .processes import release_run_locks

    try:
        return _main(argv)
    finally:
        release_run_locks()  # the lock a run took for its data directory, once it is over


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="run even when nothing changed since the last published run")
    parser.add_argument(
        "--accept-shrink",
        action="store_true",
        help="publish even when a mart lost more than IMPACT_MAX_SHRINK of its rows since the last publish",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild dbt's incremental models from all of raw (implies --force)",
    )
    parser.add_argument(
        "--rollback", action="store_true", help="point the published marts back to the previously published run"
    )
    parser.add_argument(
        "--wait", action="store_true", help="when another run is using the data directory, wait for it instead of exiting 2"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="every event on the console (each feed's ingest, each audit's rules, Dagster's steps)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # A run's events reach the console through the run's own logger; Dagster's builtin
    # logger would print each of them a second time through the root handler.
    logging.getLogger().handlers[0].addFilter(lambda record: not record.name.startswith("dagster.builtin"))
    # GX imports pyspark when it is installed (the Spark extras), which warns about pandas 3 on import.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

    private_files()  # everything this run writes is owner-only
    try:
        settings = get_settings()
        if settings.engine == "spark":
            from .resources import require_spark_stack

            require_spark_stack()
    except (ValueError, RuntimeError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    settings.ensure_dirs()
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    if args.rollback:
        return rollback(settings)

    insecure = settings.default_secret_problem()
    if insecure:
        print(f"ERROR: {insecure}", file=sys.stderr)
        return 2
    ensure_sample_landing(settings)

    from .ingest.contracts import load_contracts
    from .ingest.landing import LandingError, check_landing

    try:
        check_landing(load_contracts(), settings.landing_dir, settings.config_dir)
    except LandingError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2

    from dagster import DagsterInstance

    from .dbt_project import ensure_manifest
    from .definitions import JOB_NAME, build_definitions
    from .processes import (
        WarehouseBusy,
        check_warehouse,
        hold_run_lock,
        mark_dead_runs_failed,
    )
    from .publish.record import report_unfinished, up_to_date
    from .summary import print_summary

    with DagsterInstance.get() as instance:
        # What an earlier run, killed, left behind: its run record, and the warehouse.
        for said in mark_dead_runs_failed(instance):
            print(f"WARNING: {said}", file=sys.stderr)
        try:
            hold_run_lock(settings.data_dir, wait=args.wait)  # for the whole run, released when this process ends
            recovered = check_warehouse(settings.warehouse_path)
        except WarehouseBusy as busy:
            print(f"ERROR: {busy}", file=sys.stderr)
            return 2
        if recovered:
            print(f"WARNING: {recovered}", file=sys.stderr)

        last_run = None if args.force or args.full_refresh else up_to_date(settings, ensure_manifest())
        if last_run:
            if report_unfinished(settings):
                from .report import write_current_report

                written = write_current_report(settings.data_dir, settings.publish_group)
                print(
                    f"Up to date, but published run {last_run} had no finished report (the run stopped after "
                    f"publishing): written now, {written.html}."
                )
            else:
                print(
                    f"Up to date: no new or changed extract, and the same models, audits and settings as "
                    f"published run {last_run}. Nothing to do (`make run ARGS=--force` rebuilds)."
                )
            print_summary(settings, None, 0.0)
            return 0

        started = time.monotonic()
        job = build_definitions(settings).resolve_job_def(JOB_NAME)
        # The console (stderr) shows each step as it finishes; DEBUG events stay in the
        # instance, where `make dev` shows them. dbt's own per-model lines, which
        # dagster-dbt echoes to stdout, go to the run's log file.
        run_log = settings.data_dir / RUN_LOG
        with run_log.open("w", encoding="utf-8", buffering=1) as log_file, contextlib.redirect_stdout(log_file):
            result = _execute(job, instance, args)
        print_summary(settings, result, time.monotonic() - started, run_log)
    return 0 if result.success else 1


def _execute(job, instance, args):
    from .processes import PROCESS_TAG, process_identity

    return job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags={PROCESS_TAG: process_identity()},
        run_config={
            "loggers": {"console": {"config": {"log_level": "DEBUG" if args.verbose else "INFO"}}},
            "ops": {
                "dbt_models": {"config": {"full_refresh": args.full_refresh}},
                "serving__published_marts": {"config": {"accept_shrink": args.accept_shrink}},
            },
        },
    )

if __name__ == "__main__":
    sys.exit(main())
