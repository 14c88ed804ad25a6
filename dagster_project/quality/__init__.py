"""Great Expectations 1.x suites as Dagster asset checks, one room in three parts:

- suites.py: what each suite expects, from `expectations/<layer>/*.json` and from the
  feed contracts (raw layer);
- engine.py: a suite validated against the warehouse (DuckDB -> pandas -> GX), its
  results kept and shown in offline Data Docs (data_docs.py); no Dagster;
- checks.py: each suite as a Dagster asset check, blocking when its severity is ERROR.
"""
