"""dbt-duckdb plugins, loaded by dbt from the profile (dbt/profiles.yml `plugins:`)."""
