"""The pre-trend tests and the event study's uniform band (a dbt Python model).

The tests live in dagster_project/stats/pretrend.py (the method in its docstring), so
that they are imported and tested outside a dbt run; this model only reads its refs, on
either engine, and calls them.
"""

import pandas as pd

from dagster_project.stats.pretrend import run_tests


def to_pandas(relation) -> pd.DataFrame:
    """A ref as pandas on either engine: a DuckDB relation (.df()) or a Spark DataFrame (.toPandas())."""
    if hasattr(type(relation), "toPandas"):
        return relation.toPandas()
    return relation.df()


def model(dbt, session):
    # file_format: the format of the table on Spark (dbt-spark's default is Delta); DuckDB ignores it.
    dbt.config(materialized="table", file_format="parquet")
    bins = to_pandas(dbt.ref("int_impact__event_study"))
    influence = to_pandas(dbt.ref("int_impact__event_influence"))
    return run_tests(bins, influence)
