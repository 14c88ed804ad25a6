"""Asset group names, in the order data flows. The Dagster UI lists groups sorted by
name (a locale collation with numeric ordering), so a number prefix keeps raw first and
publish last in the sidebar and the catalog."""

RAW = "1_raw"
REFERENCE = "2_reference"
STAGING = "3_staging"
INTERMEDIATE = "4_intermediate"
MARTS = "5_marts"
PUBLISH = "6_publish"

BY_LAYER = {"raw": RAW, "reference": REFERENCE, "staging": STAGING, "intermediate": INTERMEDIATE, "marts": MARTS}
