"""Estimators the dbt Python models call: plain numpy and pandas, importable and tested
outside a dbt run (tests/unit)."""
