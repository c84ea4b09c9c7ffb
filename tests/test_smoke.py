import subprocess
import sys


def test_main_job_runs():
    proc = subprocess.run([sys.executable, "-m", "verify", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
