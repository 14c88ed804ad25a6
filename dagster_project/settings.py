"""Every IMPACT_* setting, typed, with its default.

This is the only module that reads the environment: resources, the dbt profile
and the run CLI get their values from here.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from .keys import GENERATE_HINT, fingerprint, secret_problem

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
CONTRACTS_DIR = REPO_ROOT / "sources" / "contracts"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SAMPLE_LANDING_DIR = REPO_ROOT / "sources" / "sample_landing"
SAMPLE_CONFIG_DIR = REPO_ROOT / "sources" / "sample_config"

# The defaults of the settings dbt sees are dbt's own vars (dbt_project.yml), so that a
# dbt command run by hand and the pipeline agree; each default is written there once.
DBT_DEFAULTS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]

# The public development secret: fine for the bundled sample, refused for real extracts
# (anyone holding it can compute the key of any employee id).
DEV_SECRET = "learning-impact-development-salt"

ENGINES = ("duckdb", "spark")


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _boolean(value: str) -> bool:
    text = value.strip().lower()
    if text not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(f"expected true or false, not {value!r}")
    return text in ("true", "1", "yes")


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    config_dir: Path
    data_dir: Path
    # The person-key secret: never printed, logged, handed to dbt as a var, or stored.
    person_key_secret: str = field(repr=False)
    landing_is_sample: bool
    secret_is_default: bool
    window_days: int = DBT_DEFAULTS["window_days"]
    min_group_size: int = DBT_DEFAULTS["min_group_size"]
    match_rate_threshold: float = DBT_DEFAULTS["match_rate_threshold"]
    serving_storage_version: str = "v1.1.0"
    sample_scale: str = "small"
    row_rule_tolerance: float = 0.01
    # The share of a landed file's rows that may be quarantined as malformed before the
    # audit stops the publish (expectations/marts/data_quality.json).
    max_quarantine_share: float = 0.01
    # Raw rejected lines kept in raw._quarantine per landed file (the first ones, by line);
    # the rest are one summary row there, and the ledger keeps the file's true count.
    max_quarantined_lines_per_file: int = 1000
    max_shrink: float = 0.5
    # Days of search query text raw keeps before the search log's newest extract (ingest/retention.py).
    query_text_retention_days: int = 90
    # Performance support: a person adopts an aid at their adoption_min_views-th view of its
    # articles within adoption_window_days (int_learning__aid_adoptions).
    adoption_min_views: int = DBT_DEFAULTS["adoption_min_views"]
    adoption_window_days: int = DBT_DEFAULTS["adoption_window_days"]
    anticipation_weeks: int = DBT_DEFAULTS["anticipation_weeks"]
    keep_published: int = 5
    pay_load_factor: float = DBT_DEFAULTS["pay_load_factor"]
    max_comparisons_per_cell: int = DBT_DEFAULTS["max_comparisons_per_cell"]
    bootstrap_samples: int = DBT_DEFAULTS["bootstrap_samples"]
    # DuckDB's own resources, for every connection to the warehouse (dbt's included):
    # threads, and the memory it may use before it spills to warehouse.duckdb.tmp (DuckDB's
    # default spill folder, beside the warehouse; it cannot move once a connection used it).
    duckdb_threads: int = 2
    duckdb_memory_limit: str = "3GB"
    # Which engine builds the dbt models: duckdb (the warehouse file), or spark (the
    # `spark` dbt target over the Parquet lake; `pip install -e '.[spark]'` and Java 17).
    # Ingest, audits and publish are the same on both (docs/spark.md).
    engine: str = "duckdb"
    # dbt's unit tests check the models' SQL against fixed rows: CI runs them (make test);
    # a run on the same code would only repeat them, so it leaves them out unless asked.
    dbt_unit_tests: bool = False
    # Opt-in: a group (a BI service account's) that may read each published run's folder
    # (publish/sharing.py). Empty: everything under the data directory is owner-only.
    publish_group: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("IMPACT_DATA_DIR", Path.cwd() / "data")
        # IMPACT_PERSON_KEY_SECRET is the name; IMPACT_PERSON_KEY_SALT, the old one, still works.
        secret = os.environ.get("IMPACT_PERSON_KEY_SECRET") or ""
        legacy = os.environ.get("IMPACT_PERSON_KEY_SALT") or ""
        if secret and legacy and secret != legacy:
            raise ValueError(
                "IMPACT_PERSON_KEY_SECRET and IMPACT_PERSON_KEY_SALT are both set, to different values: "
                "set only IMPACT_PERSON_KEY_SECRET"
            )
        secret = secret or legacy
        derived = {"landing_is_sample", "secret_is_default", "person_key_secret", "landing_dir", "config_dir", "data_dir"}
        # Every other field is IMPACT_<FIELD NAME>, parsed as its type, defaulting to the field's default.
        parse = {"int": int, "float": float, "str": str, "bool": _boolean}

        def read(name: str, kind: str):
            try:
                return parse[kind](os.environ[name])
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None

        plain = {
            f.name: read(f"IMPACT_{f.name.upper()}", f.type)
            for f in fields(cls)
            if f.name not in derived and os.environ.get(f"IMPACT_{f.name.upper()}")
        }
        return cls(
            landing_dir=_path("IMPACT_LANDING_DIR", SAMPLE_LANDING_DIR),
            config_dir=_path("IMPACT_CONFIG_DIR", SAMPLE_CONFIG_DIR),
            data_dir=data_dir,
            person_key_secret=secret or DEV_SECRET,
            landing_is_sample="IMPACT_LANDING_DIR" not in os.environ,
            secret_is_default=not secret or secret == DEV_SECRET,
            **plain,
        )

    def __post_init__(self) -> None:
        problem = secret_problem(self.person_key_secret)
        if problem:
            raise ValueError(problem)
        if self.keep_published < 1:
            raise ValueError(f"IMPACT_KEEP_PUBLISHED must be 1 or more, not {self.keep_published}")
        if not 0 <= self.row_rule_tolerance < 1:
            raise ValueError(f"IMPACT_ROW_RULE_TOLERANCE must be in [0, 1), not {self.row_rule_tolerance}")
        if not 0 <= self.max_quarantine_share < 1:
            raise ValueError(f"IMPACT_MAX_QUARANTINE_SHARE must be in [0, 1), not {self.max_quarantine_share}")
        if self.max_quarantined_lines_per_file < 0:
            raise ValueError(
                f"IMPACT_MAX_QUARANTINED_LINES_PER_FILE must be 0 or more, not {self.max_quarantined_lines_per_file}"
            )
        if not 0 < self.max_shrink <= 1:
            raise ValueError(f"IMPACT_MAX_SHRINK must be in (0, 1], not {self.max_shrink}")
        if self.pay_load_factor < 1:
            raise ValueError(f"IMPACT_PAY_LOAD_FACTOR must be 1 or more (base pay plus benefits and overhead), not {self.pay_load_factor}")
        if self.max_comparisons_per_cell < 10:
            raise ValueError(f"IMPACT_MAX_COMPARISONS_PER_CELL must be 10 or more, not {self.max_comparisons_per_cell}")
        if self.bootstrap_samples < 20:
            raise ValueError(f"IMPACT_BOOTSTRAP_SAMPLES must be 20 or more, not {self.bootstrap_samples}")
        if self.query_text_retention_days < 0:
            raise ValueError(f"IMPACT_QUERY_TEXT_RETENTION_DAYS must be 0 or more, not {self.query_text_retention_days}")
        if self.adoption_min_views < 1 or self.adoption_window_days < 1:
            raise ValueError("IMPACT_ADOPTION_MIN_VIEWS and IMPACT_ADOPTION_WINDOW_DAYS must be 1 or more")
        if self.duckdb_threads < 1:
            raise ValueError(f"IMPACT_DUCKDB_THREADS must be 1 or more, not {self.duckdb_threads}")
        if self.anticipation_weeks < 0:
            raise ValueError(f"IMPACT_ANTICIPATION_WEEKS must be 0 or more, not {self.anticipation_weeks}")
        if self.engine not in ENGINES:
            raise ValueError(f"IMPACT_ENGINE must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.publish_group:
            from .publish.sharing import group_problem

            problem = group_problem(self.publish_group)
            if problem:
                raise ValueError(problem)

    # Derived locations: all outputs live under data_dir.
    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    # What BI tools read: stable paths, symbolic links through published/current to the
    # folder of the run published last (see dagster_project/publish/switch.py).
    @property
    def serving_path(self) -> Path:
        return self.data_dir / "serving.duckdb"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

    @property
    def published_dir(self) -> Path:
        """published/<run_id>/ per published run (serving file, exports, report, record), and
        published/current, the one pointer a publish flips."""
        return self.data_dir / "published"

    @property
    def secret_fingerprint(self) -> str:
        """Which secret made the keys, without revealing it."""
        return fingerprint(self.person_key_secret)

    def duckdb_config(self) -> dict[str, str | int]:
        """DuckDB settings for a connection to the warehouse (duckdb.connect(config=...))."""
        return {
            "threads": self.duckdb_threads,
            "memory_limit": self.duckdb_memory_limit,
        }

    @property
    def lake_dir(self) -> Path:
        """The raw tables as Parquet, one folder per table, for the Spark engine."""
        return self.data_dir / "lake" / "raw"

    @property
    def spark_warehouse_dir(self) -> Path:
        """Where the spark target's tables live: <schema>.db/<table>/ (profiles.yml)."""
        return self.data_dir / "spark" / "warehouse"

    @property
    def dbt_target(self) -> str | None:
        """The dbt target for the engine (None: the profile's default, DuckDB)."""
        return "spark" if self.engine == "spark" else None

    @property
    def data_docs_dir(self) -> Path:
        return self.data_dir / "data_docs"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def dbt_target_dir(self) -> Path:
        return self.data_dir / "dbt_target"

    def dbt_vars(self) -> dict:
        """Values handed to dbt as --vars: the models read settings only through these."""
        return {
            # Which key person_key is hashed with: the run's secret (never the key itself;
            # dbt gets that from its environment). Passed explicitly so that no default
            # elsewhere can switch it; dbt unit tests override it with their public key.
            "keyed_hash_key": "secret",
            "window_days": self.window_days,
            "min_group_size": self.min_group_size,
            "adoption_min_views": self.adoption_min_views,
            "adoption_window_days": self.adoption_window_days,
            "match_rate_threshold": self.match_rate_threshold,
            "anticipation_weeks": self.anticipation_weeks,
            "pay_load_factor": self.pay_load_factor,
            "max_comparisons_per_cell": self.max_comparisons_per_cell,
            "bootstrap_samples": self.bootstrap_samples,
        }

    def export_to_environment(self) -> None:
        """dbt's profile reads the warehouse path from the environment of its process.
        Called in one place, where the resources are built (resources.build_resources)."""
        os.environ["IMPACT_WAREHOUSE_PATH"] = str(self.warehouse_path)
        if self.engine == "spark":
            # The spark target keeps its metastore and tables under the data dir, and reads the lake.
            os.environ["IMPACT_DATA_DIR"] = str(self.data_dir)
            os.environ["IMPACT_LAKE_DIR"] = str(self.lake_dir)
        os.environ["IMPACT_CONFIG_DIR"] = str(self.config_dir)
        os.environ["IMPACT_DUCKDB_THREADS"] = str(self.duckdb_threads)
        os.environ["IMPACT_DUCKDB_MEMORY_LIMIT"] = self.duckdb_memory_limit

    def ensure_dirs(self) -> None:
        """The data directory and what the run keeps in it, owner-only (0700). A data
        directory left readable by an older version is tightened once, whole."""
        from .publish.sharing import allowed_mode_bits, let_through

        loosened = self.data_dir.exists() and stat.S_IMODE(self.data_dir.stat().st_mode) & 0o077 & ~allowed_mode_bits(
            self.publish_group)
        for path in (self.data_dir, self.published_dir, self.dagster_home):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.chmod(0o700)
        if loosened:
            owner_only(self.data_dir)
        if self.publish_group:
            let_through(self.data_dir, self.publish_group)
            let_through(self.published_dir, self.publish_group)
        # Dagster's defaults, stored under DAGSTER_HOME, with an event log that keeps its
        # connections. Imported here: Dagster's storage modules are slow to import, and most
        # readers of the settings never open the instance.
        from .instance import write_instance_config

        write_instance_config(self.dagster_home)

    def default_secret_problem(self) -> str | None:
        """Why this run may not publish: person keys made with the public development secret
        can be computed by anyone from employee ids. Only the bundled sample may use it."""
        if self.secret_is_default and not self.landing_is_sample:
            return (
                f"IMPACT_PERSON_KEY_SECRET {self._default_secret_words()}, and the landing folder is not the bundled sample: "
                "person_key would be made with the public development secret, which anyone can use to turn "
                "published keys back into employee ids. Nothing is published with it. Set a secret of at "
                f"least 32 bytes, keep it safe (changing it changes every key), and run again: {GENERATE_HINT}"
            )
        return None

    @staticmethod
    def _default_secret_words() -> str:
        """"is not set", or, when someone set it to the development secret this repository
        publishes, says so: that secret protects nothing either."""
        explicit = DEV_SECRET in (os.environ.get("IMPACT_PERSON_KEY_SECRET"), os.environ.get("IMPACT_PERSON_KEY_SALT"))
        return "is set to the public development secret (the one in this repository)" if explicit else "is not set"

    def warn_if_insecure(self) -> None:
        if self.secret_is_default:
            log.warning(
                f"IMPACT_PERSON_KEY_SECRET {self._default_secret_words()}: person_key uses the public development secret"
                + (
                    "; publishing is refused for this landing folder."
                    if not self.landing_is_sample
                    else " (allowed for the bundled sample only)."
                )
            )


def owner_only(root: Path) -> None:
    """Removes group and other permissions from root and everything below it."""
    for path in [root, *root.rglob("*")]:
        try:
            if not path.is_symlink():
                path.chmod(stat.S_IMODE(path.stat().st_mode) & 0o700)
        except OSError:
            continue


def private_files() -> None:
    """Files and folders this process creates are owner-only (umask 077): the warehouse,
    the serving file, dbt's artifacts, Dagster's run storage. Called by the run CLI and
    wherever definitions are built."""
    os.umask(0o077)


def get_settings() -> Settings:
    return Settings.from_env()
