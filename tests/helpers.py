"""Small helpers shared by the tests."""

from dataclasses import replace
from pathlib import Path

from dagster_project.settings import SAMPLE_CONFIG_DIR, Settings


def make_settings(data_dir: Path, landing_dir: Path, config_dir: Path = SAMPLE_CONFIG_DIR, **overrides) -> Settings:
    settings = Settings(
        landing_dir=landing_dir,
        config_dir=config_dir,
        data_dir=data_dir,
        person_key_salt="test-salt",
        landing_is_sample=False,
        salt_is_default=False,
    )
    return replace(settings, **overrides)
