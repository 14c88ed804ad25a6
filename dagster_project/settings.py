"""Every IMPACT_* setting, typed, with its default.

This is the only module that reads the environment: resources, the dbt profile
and the run CLI get their values from here.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
CONTRACTS_DIR = REPO_ROOT / "sources" / "contracts"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SAMPLE_LANDING_DIR = REPO_ROOT / "sources" / "sample_landing"
SAMPLE_CONFIG_DIR = REPO_ROOT / "sources" / "sample_config"

DEV_SALT = "learning-impact-development-salt"


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    config_dir: Path
    data_dir: Path
    person_key_salt: str
    landing_is_sample: bool
    salt_is_default: bool
    window_days: int = 90
    min_group_size: int = 5
    match_rate_threshold: float = 0.95
    serving_storage_version: str = "v1.1.0"
    sample_scale: str = "small"
    row_rule_tolerance: float = 0.01
    max_shrink: float = 0.5
    censoring_quantile: float = 0.99
    anticipation_weeks: int = 6

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = _path("IMPACT_DATA_DIR", Path.cwd() / "data")
        salt = os.environ.get("IMPACT_PERSON_KEY_SALT") or ""
        return cls(
            landing_dir=_path("IMPACT_LANDING_DIR", SAMPLE_LANDING_DIR),
            config_dir=_path("IMPACT_CONFIG_DIR", SAMPLE_CONFIG_DIR),
            data_dir=data_dir,
            person_key_salt=salt or DEV_SALT,
            landing_is_sample="IMPACT_LANDING_DIR" not in os.environ,
            salt_is_default=not salt,
            window_days=_int("IMPACT_WINDOW_DAYS", 90),
            min_group_size=_int("IMPACT_MIN_GROUP_SIZE", 5),
            match_rate_threshold=_float("IMPACT_MATCH_RATE_THRESHOLD", 0.95),
            serving_storage_version=os.environ.get("IMPACT_SERVING_STORAGE_VERSION", "v1.1.0"),
            sample_scale=os.environ.get("IMPACT_SAMPLE_SCALE", "small"),
            row_rule_tolerance=_float("IMPACT_ROW_RULE_TOLERANCE", 0.01),
            max_shrink=_float("IMPACT_MAX_SHRINK", 0.5),
            censoring_quantile=_float("IMPACT_CENSORING_QUANTILE", 0.99),
            anticipation_weeks=_int("IMPACT_ANTICIPATION_WEEKS", 6),
        )

    def __post_init__(self) -> None:
        if not 0 <= self.row_rule_tolerance < 1:
            raise ValueError(f"IMPACT_ROW_RULE_TOLERANCE must be in [0, 1), not {self.row_rule_tolerance}")
        if not 0 < self.max_shrink <= 1:
            raise ValueError(f"IMPACT_MAX_SHRINK must be in (0, 1], not {self.max_shrink}")
        if not 0.95 <= self.censoring_quantile < 1:
            raise ValueError(
                f"IMPACT_CENSORING_QUANTILE must be in [0.95, 1), not {self.censoring_quantile}: the censoring "
                "buffer is at least the 95th percentile of how long work takes"
            )
        if self.anticipation_weeks < 0:
            raise ValueError(f"IMPACT_ANTICIPATION_WEEKS must be 0 or more, not {self.anticipation_weeks}")

    # Derived locations: all outputs live under data_dir.
    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving_path(self) -> Path:
        return self.data_dir / "serving.duckdb"

    @property
    def exports_dir(self) -> Path:
        return self.data_dir / "exports"

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
            "person_key_salt": self.person_key_salt,
            "window_days": self.window_days,
            "min_group_size": self.min_group_size,
            "match_rate_threshold": self.match_rate_threshold,
            "censoring_quantile": self.censoring_quantile,
            "anticipation_weeks": self.anticipation_weeks,
        }

    def export_to_environment(self) -> None:
        """dbt's profile reads the warehouse path from the environment of its process."""
        os.environ["IMPACT_WAREHOUSE_PATH"] = str(self.warehouse_path)
        os.environ["IMPACT_CONFIG_DIR"] = str(self.config_dir)

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.exports_dir, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)
        # An empty instance config: Dagster's defaults, stored under DAGSTER_HOME.
        (self.dagster_home / "dagster.yaml").touch(exist_ok=True)

    def warn_if_insecure(self) -> None:
        if self.salt_is_default:
            log.warning(
                "IMPACT_PERSON_KEY_SALT is not set: person_key uses the public development salt. "
                "Set a secret salt before publishing real data."
            )


def get_settings() -> Settings:
    return Settings.from_env()
