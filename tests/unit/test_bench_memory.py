"""The benchmark's peak memory is each process's own: a child started by a big parent
does not report the parent's peak (as getrusage's ru_maxrss does across exec)."""

import subprocess
import sys

from benchmarks.memory import DescendantPeak, high_water_gb

CHILD = (
    "import time; x = bytearray(200 * 10**6); x[::4096] = b'1' * len(x[::4096]); time.sleep(0.8)"
)


def test_a_childs_peak_is_its_own_not_its_parents():
    ballast = bytearray(600 * 10**6)
    ballast[::4096] = b"1" * len(ballast[::4096])
    with DescendantPeak(interval_s=0.05) as children:
        subprocess.run([sys.executable, "-c", CHILD], check=True)
    assert high_water_gb() >= 0.6
    assert 0.2 <= children.peak_gb < 0.5, children.peak_gb
    del ballast
