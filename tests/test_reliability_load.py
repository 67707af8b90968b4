"""A tiny run of scripts/load.py (5 users) so that `make test` keeps the load script working; `make load` runs
the real thing (50 users, or N=200).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.reliability_support import PY, ROOT, build_index, document_vectors


def test_load_script_smoke(tmp_path, service):
    data = build_index(tmp_path / "data", service, document_vectors(service))
    run = subprocess.run([PY, "scripts/load.py", "--users", "5", "--requests", "2", "--data-dir", str(data), "--json",
                          "--deadline", "120", "--startup-timeout", "180", "--abusers", "1", "--compare"],
                         cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["requests"] == summary["ok"] == 10 and summary["errors"] == 0
    assert summary["throughput_rps"] > 0 and 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"]
    assert "p50" in run.stdout and "errors: 0" in run.stdout
    # The mixed run: the abusive client's largest inputs were answered (cut, not refused) beside the users.
    assert summary["abusers"]["requests"] >= 1 and summary["abusers"]["errors"] == 0
    assert summary["without_abusers"]["errors"] == 0 and summary["p95_ratio"] > 0


@pytest.mark.parametrize("url", ["http://10.0.0.1:7860/", "http://example.com/", "http://0.0.0.0:7860/"])
def test_load_script_refuses_non_loopback_targets(url):
    run = subprocess.run([PY, "scripts/load.py", "--url", url], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "loopback" in run.stderr


def test_load_script_is_bounded():
    run = subprocess.run([PY, "scripts/load.py", "--users", "5000"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 2 and "--users" in run.stderr
