"""The person-key secret and the keyed hash made with it.

person_key = hex HMAC-SHA256(secret, "hris|" + Employee_ID); a learner no HRIS record
matches gets hex HMAC-SHA256(secret, "unmatched|" + identity type + ":" + identity).
Without the secret nobody can compute a key from an employee id, so enumerating
E00000–E99999 no longer turns published keys back into people.

The secret never travels as text the run writes down: dbt receives it in its own
environment as DBT_ENV_SECRET_IMPACT_PERSON_KEY (dbt masks those variables in its
logs and never puts them in artifacts), its profile hands it to the
`dagster_project.dbt_plugins.person_keys` plugin, and the plugin computes the HMAC
inside DuckDB. Dagster's resources carry only a fingerprint of it (an HMAC of a
fixed text, from which the secret cannot be recovered), so run configuration,
job snapshots and the UI never show it.

This module is imported by the dbt plugin inside dbt's process: standard library only.
"""

from __future__ import annotations

import hashlib
import hmac

MIN_SECRET_BYTES = 32

# The environment variable dbt reads the secret from (profiles.yml); set for the dbt
# child process only, by the dbt resource.
DBT_SECRET_ENV = "DBT_ENV_SECRET_IMPACT_PERSON_KEY"

# Public, by design: the key dbt unit tests hash with (vars: {keyed_hash_key: unit_test}),
# so that their expected person_key values are fixed whatever the run's secret is.
UNIT_TEST_SECRET = "learning-impact dbt unit tests only: a public key, never a secret"

GENERATE_HINT = "export IMPACT_PERSON_KEY_SECRET=$(python -c 'import secrets; print(secrets.token_hex(32))')"


def keyed_hash(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def person_key(secret: str, employee_id: str) -> str:
    """What dbt computes for an HRIS Employee_ID (macro person_key)."""
    return keyed_hash(secret, "hris|" + employee_id)


def unmatched_learner_key(secret: str, identity: str) -> str:
    """What dbt computes for an unmatched learner's `<identity type>:<identity>`."""
    return keyed_hash(secret, "unmatched|" + identity)


def secret_problem(secret: str, name: str = "IMPACT_PERSON_KEY_SECRET") -> str | None:
    """Why a secret cannot be used (never quoting it), or None."""
    size = len(secret.encode())
    if size == 0:
        return f"{name} is not set. Generate a secret with: {GENERATE_HINT}"
    if size < MIN_SECRET_BYTES:
        return (
            f"{name} must be at least {MIN_SECRET_BYTES} bytes long; the one set has {size}. "
            f"Generate one with: {GENERATE_HINT}"
        )
    return None


def fingerprint(secret: str) -> str:
    """Names a secret without revealing it: which secret made the keys (for the code
    fingerprint of the last published run, and to find the secret in this process)."""
    return keyed_hash(secret, "learning-impact person-key secret fingerprint")[:32]


# Secrets of the definitions built in this process, by fingerprint. Resources hold
# the fingerprint; the dbt resource looks the secret up when it starts dbt.
_SECRETS: dict[str, str] = {}


def register(secret: str) -> str:
    key = fingerprint(secret)
    _SECRETS[key] = secret
    return key


def lookup(key: str) -> str:
    try:
        return _SECRETS[key]
    except KeyError:
        raise RuntimeError(
            "the person-key secret of these definitions is not loaded in this process: runs must "
            "execute where the definitions were built (dagster_project.definitions or build_definitions)"
        ) from None
