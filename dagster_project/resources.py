"""Resources, configured from the IMPACT_* settings: the DuckDB warehouse, the dbt
CLI, and the settings themselves for assets that need paths or thresholds."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from .settings import Settings


class ImpactSettings(ConfigurableResource):
    """The run's settings, visible in the Dagster UI's resource page."""

    landing_dir: str
    config_dir: str
    data_dir: str
    person_key_salt: str
    window_days: int
    min_group_size: int
    match_rate_threshold: float
    serving_storage_version: str
    row_rule_tolerance: float
    max_shrink: float
    censoring_quantile: float
    anticipation_weeks: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "ImpactSettings":
        return cls(
            landing_dir=str(settings.landing_dir),
            config_dir=str(settings.config_dir),
            data_dir=str(settings.data_dir),
            person_key_salt=settings.person_key_salt,
            window_days=settings.window_days,
            min_group_size=settings.min_group_size,
            match_rate_threshold=settings.match_rate_threshold,
            serving_storage_version=settings.serving_storage_version,
            row_rule_tolerance=settings.row_rule_tolerance,
            max_shrink=settings.max_shrink,
            censoring_quantile=settings.censoring_quantile,
            anticipation_weeks=settings.anticipation_weeks,
        )

    def settings(self) -> Settings:
        return Settings(
            landing_dir=Path(self.landing_dir),
            config_dir=Path(self.config_dir),
            data_dir=Path(self.data_dir),
            person_key_salt=self.person_key_salt,
            landing_is_sample=False,
            salt_is_default=False,
            window_days=self.window_days,
            min_group_size=self.min_group_size,
            match_rate_threshold=self.match_rate_threshold,
            serving_storage_version=self.serving_storage_version,
            row_rule_tolerance=self.row_rule_tolerance,
            max_shrink=self.max_shrink,
            censoring_quantile=self.censoring_quantile,
            anticipation_weeks=self.anticipation_weeks,
        )


def build_resources(settings: Settings, dbt_project_dir: Path) -> dict:
    settings.ensure_dirs()
    settings.export_to_environment()
    return {
        "duckdb": DuckDBResource(database=str(settings.warehouse_path)),
        "dbt": DbtCliResource(project_dir=str(dbt_project_dir), profiles_dir=str(dbt_project_dir)),
        "impact": ImpactSettings.from_settings(settings),
    }
