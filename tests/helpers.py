"""Small helpers shared by the tests."""

from dataclasses import replace
from pathlib import Path

from dagster_project.settings import SAMPLE_CONFIG_DIR, Settings

# The person-key secret of the tests' pipeline runs: a known value, so that tests can
# look for it everywhere a run writes (it must be nowhere) and recompute keys.
TEST_SECRET = "tests-person-key-secret-7f3a9c1e5b2d8f4a6c0e"


def make_settings(data_dir: Path, landing_dir: Path, config_dir: Path = SAMPLE_CONFIG_DIR, **overrides) -> Settings:
    settings = Settings(
        landing_dir=landing_dir,
        config_dir=config_dir,
        data_dir=data_dir,
        person_key_secret=TEST_SECRET,
        landing_is_sample=False,
        secret_is_default=False,
    )
    return replace(settings, **overrides)
