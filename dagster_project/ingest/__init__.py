"""Contract-driven ingestion of landing files into the DuckDB raw schema."""
