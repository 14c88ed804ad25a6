"""The sample generator is deterministic and writes what the contracts say."""

import hashlib
from pathlib import Path

from sources.generator import PLANTED, TINY_PROGRAM, generate, validate_against_contracts


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(small_landing, tmp_path):
    generate(tmp_path / "again", scale="small", seed=7)
    assert tree_digest(small_landing) == tree_digest(tmp_path / "again")


def test_every_file_matches_its_contract(small_landing):
    validate_against_contracts(small_landing)
    feeds = {p.parent.relative_to(small_landing).as_posix() for p in small_landing.rglob("*_20*")}
    assert feeds == {
        "lms/xapi_statements", "lms/courses", "lms/users", "lms/surveys",
        "hris/workers", "crm/users", "crm/opportunities", "servicedesk/incidents",
    }
    assert list(small_landing.rglob("*.jsonl.gz")) and list(small_landing.rglob("*.csv.gz"))


def test_planted_truths_cover_a_real_effect_a_null_effect_and_a_tiny_program():
    assert any(v != 0 for v in PLANTED.values())
    assert any(v == 0 for v in PLANTED.values())
    assert TINY_PROGRAM not in {program for program, _ in PLANTED}
