"""The matched panel stays bounded: only cells (cohort x job family x level x tenure band)
that hold a treated person become candidates, and a cell keeps at most
max_comparisons_per_cell comparisons, drawn the same way every run, every treated person
kept. Rebuilt by a real dbt run on a copy of the session pipeline's warehouse."""

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.helpers import run_dbt

pytestmark = pytest.mark.integration

CELL = "program_id, kpi, registration_week, completion_week, job_family, job_level, tenure_band"


def rebuild_panel(pipeline, tmp_path: Path, cap: int) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline.settings.warehouse_path, warehouse)
    # The draw (a table) and the panel over it; the cells do not depend on the cap.
    run_dbt(pipeline.settings, warehouse, tmp_path, "run", "--select", "int_impact__comparisons",
            "int_impact__matched_units", max_comparisons_per_cell=cap)
    return warehouse


def cells(conn) -> list[tuple]:
    return conn.execute(
        f"""select {CELL},
                   sum(case when unit_role = 'treated' then 1 else 0 end),
                   sum(case when unit_role = 'comparison' then 1 else 0 end)
            from intermediate.int_impact__matched_units group by {CELL}"""
    ).fetchall()


def test_the_cap_never_binds_on_the_sample(pipeline):
    """The small sample's cells are all smaller than the default cap, so its estimates
    (and the tests and calibration on them) are those of the uncapped panel."""
    with duckdb.connect(str(pipeline.settings.warehouse_path), read_only=True) as conn:
        found = cells(conn)
    assert found
    assert max(comparisons for *_, comparisons in found) < pipeline.settings.max_comparisons_per_cell


def test_a_cap_keeps_every_treated_person_and_draws_comparisons_from_the_full_panel(pipeline, tmp_path):
    cap = 10
    capped = rebuild_panel(pipeline, tmp_path, cap)
    units = "select program_id, kpi, registration_week, completion_week, person_key from intermediate.int_impact__matched_units where unit_role = "
    with duckdb.connect(str(pipeline.settings.warehouse_path), read_only=True) as conn:
        full_treated = set(conn.execute(units + "'treated'").fetchall())
        full_comparisons = set(conn.execute(units + "'comparison'").fetchall())
        full_max = max(comparisons for *_, comparisons in cells(conn))
    with duckdb.connect(str(capped), read_only=True) as conn:
        capped_cells = cells(conn)
        capped_treated = set(conn.execute(units + "'treated'").fetchall())
        capped_comparisons = set(conn.execute(units + "'comparison'").fetchall())
    assert full_max > cap, "the sample must have cells larger than the cap for this test to mean anything"
    assert max(comparisons for *_, comparisons in capped_cells) <= cap
    assert capped_treated == full_treated
    assert capped_comparisons < full_comparisons
    # The same draw every run.
    again = rebuild_panel(pipeline, tmp_path / "again", cap)
    with duckdb.connect(str(again), read_only=True) as conn:
        assert set(conn.execute(units + "'comparison'").fetchall()) == capped_comparisons
