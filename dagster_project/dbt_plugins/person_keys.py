"""A dbt-duckdb plugin: the keyed hash behind person_key, as a DuckDB function.

dbt/profiles.yml loads it with the secret from a DBT_ENV_SECRET_ variable:

    plugins:
      - module: dagster_project.dbt_plugins.person_keys
        config:
          secret: "{{ env_var('DBT_ENV_SECRET_IMPACT_PERSON_KEY', '') }}"

and it registers `impact_keyed_hash(key_name, message)` on every connection dbt opens:
hex HMAC-SHA256 of `message` under the named key, `secret` (the run's secret) or
`unit_test` (a public key for dbt unit tests). The models call it through the
dispatched macros person_key / unmatched_learner_key, so compiled SQL, the manifest
and the logs name the key, never hold it.

The function is vectorised (Arrow) and remembers each message it has hashed: people
and identities are few, rows are many, so each distinct id is hashed once.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from dagster_project.keys import DBT_SECRET_ENV, UNIT_TEST_SECRET, keyed_hash, secret_problem

FUNCTION = "impact_keyed_hash"
_CACHE_LIMIT = 1_000_000


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._keys = {"secret": str(plugin_config.get("secret") or ""), "unit_test": UNIT_TEST_SECRET}
        self._cache: dict[tuple[str, str], str] = {}

    def _key(self, name: str) -> str:
        if name not in self._keys:
            raise ValueError(f"{FUNCTION}: unknown key {name!r} (known: {', '.join(sorted(self._keys))})")
        key = self._keys[name]
        if name == "secret":
            problem = secret_problem(key, DBT_SECRET_ENV)
            if problem:
                raise ValueError(
                    f"{FUNCTION}: no usable person-key secret reached dbt. Run dbt through the pipeline "
                    f"(IMPACT_PERSON_KEY_SECRET), or set {DBT_SECRET_ENV} yourself. {problem}"
                )
        return key

    def _hash(self, names: pa.Array, messages: pa.Array) -> pa.Array:
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        out = []
        for name, message in zip(names.to_pylist(), messages.to_pylist()):
            if name is None or message is None:
                out.append(None)
                continue
            digest = self._cache.get((name, message))
            if digest is None:
                digest = self._cache[(name, message)] = keyed_hash(self._key(name), message)
            out.append(digest)
        return pa.array(out, type=pa.string())

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        conn.create_function(
            FUNCTION, self._hash, ["VARCHAR", "VARCHAR"], "VARCHAR", type="arrow", side_effects=False
        )
