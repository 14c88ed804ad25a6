"""dbt on Spark's session method, with what DuckDB gets from the dbt-duckdb plugin.

    python -m dagster_project.dbt_plugins.spark_dbt build --target spark --profiles-dir . ...

runs dbt's CLI in this process (dbt-spark's `session` method runs pyspark in-process)
after two additions to the Spark session dbt opens:

- the function `impact_keyed_hash(key_name, message)` behind person_key (see
  person_keys.py, the DuckDB twin): hex HMAC-SHA256 of `message` under the named key,
  `secret` (the run's, from DBT_ENV_SECRET_IMPACT_PERSON_KEY) or `unit_test`. It is a
  session (temporary) function registered from Python, so the secret is in no SQL,
  compiled file or log; the macro spark__keyed_hash calls it by name. (On a cluster the
  function's closure, secret included, travels to the executors' Python workers:
  register it from the cluster's secret store there.)
- the comment-scrubbing functions `impact_fold_words`, `impact_name_keys` and
  `impact_scrub_contacts` behind program_comments, and `impact_query_themes` behind knowledge_gaps (see text_scrub.py, the DuckDB twin,
  and dagster_project/text_scrub.py), as session pandas UDFs. The module is pickled by
  value, so the Python workers need not import the project either.
- a Python-model submission method `session` (the default here): the compiled model
  runs in this process against the same session, instead of dbt-spark's Databricks
  job APIs, so the project's dbt Python model runs on local Spark.

Plain `dbt ... --target spark` works too, for every model that computes no person_key
and scrubs no comments.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from typing import Any

import pandas as pd

FUNCTION = "impact_keyed_hash"
_registered: set[int] = set()
_text_scrub_registered: set[int] = set()


def _keys() -> dict[str, str]:
    from dagster_project.keys import DBT_SECRET_ENV, UNIT_TEST_SECRET

    return {"secret": os.environ.get(DBT_SECRET_ENV, ""), "unit_test": UNIT_TEST_SECRET}


def register_keyed_hash(spark: Any) -> None:
    """Register impact_keyed_hash in the session (once per session)."""
    if id(spark) in _registered:
        return
    from pyspark.sql.functions import pandas_udf

    from dagster_project.keys import DBT_SECRET_ENV, secret_problem

    keys = _keys()
    problem = secret_problem(keys["secret"], DBT_SECRET_ENV)
    if problem:
        problem = (
            f"{FUNCTION}: no usable person-key secret reached dbt. Run dbt through the pipeline "
            f"(IMPACT_PERSON_KEY_SECRET), or set {DBT_SECRET_ENV} yourself. {problem}"
        )

    @pandas_udf("string")
    def impact_keyed_hash(names: pd.Series, messages: pd.Series) -> pd.Series:
        cache: dict[tuple[str, str], str] = {}
        out = []
        for name, message in zip(names, messages):
            if name is None or message is None or (isinstance(message, float) and pd.isna(message)):
                out.append(None)
                continue
            if name not in keys:
                raise ValueError(f"{FUNCTION}: unknown key {name!r} (known: {', '.join(sorted(keys))})")
            if name == "secret" and problem:
                raise ValueError(problem)
            digest = cache.get((name, message))
            if digest is None:
                # dagster_project.keys.keyed_hash, inline: the Python workers need not import the project.
                digest = cache[(name, message)] = hmac.new(keys[name].encode(), message.encode(), hashlib.sha256).hexdigest()
            out.append(digest)
        return pd.Series(out, dtype=object)

    spark.udf.register(FUNCTION, impact_keyed_hash)
    _registered.add(id(spark))


def register_text_scrub(spark: Any) -> None:
    """Register the comment-scrubbing functions in the session (once per session)."""
    if id(spark) in _text_scrub_registered:
        return
    from pyspark import cloudpickle
    from pyspark.sql.functions import pandas_udf

    from dagster_project import text_scrub

    cloudpickle.register_pickle_by_value(text_scrub)

    def udf(function: Any) -> Any:
        @pandas_udf("string")
        def apply(texts: pd.Series) -> pd.Series:
            done: dict[str, str] = {}
            out = []
            for text in texts:
                if text is None or (isinstance(text, float) and pd.isna(text)):
                    out.append(None)
                    continue
                if text not in done:
                    done[text] = function(text)
                out.append(done[text])
            return pd.Series(out, dtype=object)

        return apply

    for name, function in {
        "impact_fold_words": text_scrub.fold_words,
        "impact_name_keys": text_scrub.name_keys,
        "impact_scrub_contacts": text_scrub.scrub_contacts,
        "impact_query_themes": text_scrub.query_themes,
    }.items():
        spark.udf.register(name, udf(function))
    _text_scrub_registered.add(id(spark))


def _patch_session() -> None:
    from pyspark.sql import SparkSession

    original = SparkSession.Builder.getOrCreate
    if getattr(original, "_impact_patched", False):
        return

    def get_or_create(self: Any) -> Any:
        session = original(self)
        if id(session) not in _registered:
            # dbt-spark asks for the session once per statement; Spark warns each time that it
            # exists. IMPACT_SPARK_LOG_LEVEL (default ERROR) sets the level.
            session.sparkContext.setLogLevel(os.environ.get("IMPACT_SPARK_LOG_LEVEL", "ERROR"))
        register_keyed_hash(session)
        register_text_scrub(session)
        return session

    get_or_create._impact_patched = True  # type: ignore[attr-defined]
    SparkSession.Builder.getOrCreate = get_or_create  # type: ignore[method-assign]


class SessionPythonJobHelper:
    """Runs a compiled dbt Python model in this process, on the session dbt uses."""

    def __init__(self, parsed_model: dict, credentials: Any) -> None:
        self.name = parsed_model.get("alias") or parsed_model.get("name", "model")

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        code = compile(compiled_code, f"<dbt python model {self.name}>", "exec")
        exec(code, {"spark": spark, "__name__": f"dbt_model_{self.name}"})  # noqa: S102 - dbt's own compiled model


def _patch_python_models() -> None:
    from dbt.adapters.spark.impl import SparkAdapter

    helpers = SparkAdapter.python_submission_helpers.fget  # type: ignore[attr-defined]
    if getattr(helpers, "_impact_patched", False):
        return

    def python_submission_helpers(self: Any) -> dict:
        return {**helpers(self), "session": SessionPythonJobHelper}

    python_submission_helpers._impact_patched = True  # type: ignore[attr-defined]
    SparkAdapter.python_submission_helpers = property(python_submission_helpers)  # type: ignore[method-assign]
    SparkAdapter.default_python_submission_method = property(lambda self: "session")  # type: ignore[method-assign]


def install() -> None:
    # Spark's Python workers run this interpreter (with pandas and pyarrow), not the first python3 on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    _patch_session()
    _patch_python_models()


def main(argv: list[str] | None = None) -> int:
    from dbt.cli.main import dbtRunner

    install()
    result = dbtRunner().invoke(sys.argv[1:] if argv is None else argv)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        print(result.exception, file=sys.stderr)
        return 2
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
