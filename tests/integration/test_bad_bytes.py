"""A byte that is not UTF-8 in a name turns nobody into a leaver: the rows load with
U+FFFD in its place and a REPLACED note, with a real run on the small sample."""

import gzip
import shutil

import pytest
from dagster import DagsterInstance

from dagster_project.instance import write_instance_config
from tests.helpers import PipelineRun, make_settings, run_pipeline

pytestmark = pytest.mark.integration

LEFT_ON_SNAPSHOT = """select count(*) from intermediate.int_people__person_versions
                      where is_current_version and left_on = (select max(snapshot_date) from staging.stg_hris__workers)"""


def test_a_bad_byte_in_names_of_the_newest_snapshot_ends_nobodys_employment(pipeline, small_landing, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_landing, landing)
    newest = max((landing / "hris" / "workers").iterdir())
    data = gzip.decompress(newest.read_bytes()) if newest.suffix == ".gz" else newest.read_bytes()
    header, *rows = data.split(b"\n")
    name = header.decode().split(",").index("Legal_Name")
    spoiled = 0
    for i, row in enumerate(rows):
        fields = row.split(b",")
        if len(fields) > name and fields[name] and spoiled < 25 and b'"' not in row:
            fields[name] = fields[name][:2] + b"\xff" + fields[name][3:]  # Latin-1 junk, not UTF-8
            rows[i], spoiled = b",".join(fields), spoiled + 1
    assert spoiled == 25
    newest.unlink()
    newest.with_suffix("" if newest.suffix == ".gz" else newest.suffix).write_bytes(b"\n".join([header, *rows]))

    data_dir = tmp_path / "data"
    (data_dir / "dagster_home").mkdir(parents=True)
    write_instance_config(data_dir / "dagster_home")
    settings = make_settings(data_dir, landing)
    with DagsterInstance.local_temp(str(data_dir / "dagster_home")) as instance:
        result = run_pipeline(settings, instance)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        spoilt = PipelineRun(settings, result, instance)
        assert spoilt.query(LEFT_ON_SNAPSHOT) == pipeline.query(LEFT_ON_SNAPSHOT), "nobody left on the snapshot date"
        assert spoilt.query("select count(*) from staging.stg_hris__workers") == pipeline.query(
            "select count(*) from staging.stg_hris__workers"
        )
        replaced = spoilt.query("select reason from raw._quarantine where reason like 'REPLACED:%'")
        assert len(replaced) == 1 and "25 row(s)" in replaced[0][0] and "Legal_Name" in replaced[0][0], replaced
