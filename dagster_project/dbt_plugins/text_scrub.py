"""A dbt-duckdb plugin: the comment scrubbing of dagster_project.text_scrub, as DuckDB functions.

dbt/profiles.yml loads it:

    plugins:
      - module: dagster_project.dbt_plugins.text_scrub

and it registers on every connection dbt opens (each VARCHAR -> VARCHAR, null for null):

- `impact_fold_words(text)`: the text's folded words, joined by single spaces;
- `impact_name_keys(legal_name)`: the folded keys of a legal name's first and last name;
- `impact_scrub_contacts(text)`: the text with email addresses and phone numbers
  replaced by [removed];
- `impact_query_themes(text)`: a search query's themes (neighbouring content-word
  pairs, first_second), joined by single spaces.

The models call them through the dispatched macros in dbt/macros/text_scrub.sql; on
Spark, dagster_project.dbt_plugins.spark_dbt registers the same functions. Vectorised
(Arrow), each distinct text computed once per batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from dagster_project.text_scrub import fold_words, name_keys, query_themes, scrub_contacts

FUNCTIONS: dict[str, Callable[[str | None], str | None]] = {
    "impact_fold_words": fold_words,
    "impact_name_keys": name_keys,
    "impact_scrub_contacts": scrub_contacts,
    "impact_query_themes": query_themes,
}


def vectorised(function: Callable[[str | None], str | None]) -> Callable[[pa.Array], pa.Array]:
    def apply(texts: pa.Array) -> pa.Array:
        done: dict[str | None, str | None] = {}
        out = []
        for text in texts.to_pylist():
            if text not in done:
                done[text] = function(text)
            out.append(done[text])
        return pa.array(out, type=pa.string())

    return apply


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        pass

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        for name, function in FUNCTIONS.items():
            conn.create_function(
                name, vectorised(function), ["VARCHAR"], "VARCHAR", type="arrow", null_handling="special", side_effects=False
            )
