"""Write-audit-publish: the marts reach BI tools only from a run whose audits passed.

dbt builds into the warehouse (the build database). The publish asset (asset.py) runs
after every blocking check and refuses to publish (gate.py) if any check of the run
failed at ERROR severity, if the marts lost too many rows, if a mart holds a personal
column (pii.py), or if person keys were made with the public development secret for real
extracts. It then writes the run's serving file (every table and column described from
dbt's manifest, and a publish_info table), Parquet exports (serving.py) and record of
what it was built from (record.py), and the HTML report (dagster_project/report) from
that serving file, into a new `published/<run_id>/` folder, and flips
one pointer, `published/current`, to it (switch.py). The stable paths `serving.duckdb`
and `exports/` lead through that pointer: BI tools see the old run whole until the flip
and the new one whole after it, and a BI tool holding the old file open keeps reading
it.

Only asset.py imports Dagster: the run CLI's `--rollback`, the schedule and the tests
use the rest without loading the pipeline.
"""
