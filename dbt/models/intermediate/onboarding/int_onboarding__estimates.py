"""The person-grain KPIs of new starters (ramp_days, early_attrition), estimated by hire
cohort for each program that targets them (a dbt Python model).

The estimators live in dagster_project/stats/onboarding.py (the method in its
docstring) and dagster_project/stats/survival.py, so that they are imported and tested
outside a dbt run; this model only reads its refs, on either engine, and calls them.
Both engines run it in dbt's own process with the project's Python, where the package is
installed (Spark through dagster_project/dbt_plugins/spark_dbt.py's `session` submission).
"""

import pandas as pd

from dagster_project.stats.onboarding import estimate


def to_pandas(relation) -> pd.DataFrame:
    """A ref as pandas on either engine: a DuckDB relation (.df()) or a Spark DataFrame (.toPandas())."""
    if hasattr(type(relation), "toPandas"):
        return relation.toPandas()
    return relation.df()


def model(dbt, session):
    # file_format: the format of the table on Spark (dbt-spark's default is Delta); DuckDB ignores it.
    dbt.config(materialized="table", file_format="parquet")
    people = to_pandas(dbt.ref("int_kpis__new_starters"))
    enrolments = to_pandas(dbt.ref("int_learning__program_enrolments"))
    programs = to_pandas(dbt.ref("stg_config__programs"))
    return estimate(
        people,
        enrolments,
        programs,
        int(dbt.config.get("min_group_size")),
        int(dbt.config.get("bootstrap_samples")),
    )
