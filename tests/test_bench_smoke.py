"""Smoke test of the benchmark harness: the workloads are valid requests of the stated sizes, and the
in-process part of ``bench.run`` runs. No timing is asserted here: the targets live in the benchmark and README."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bench import run, workloads
from service import validation

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def today() -> date:
    return date.today()


def test_workloads_are_valid_requests_of_the_stated_sizes(today):
    w1, w2, w3 = workloads.w1(today), workloads.w2(today), workloads.w3(today)
    assert 130 <= w1.resources <= 180
    assert 1300 <= w2.resources <= 1700
    assert w3.resources == w1.resources + 3
    assert len(w3.body["context"]["draftOrders"]["entry"]) == 3
    for item in (w1, w2, w3):
        assert validation.errors("hook-request", item.body) == []


def test_workloads_are_reproducible(today):
    assert workloads.w1(today).body == workloads.w1(today).body
    assert workloads.w2(today).body == workloads.w2(today).body


def test_synthea_bundles_become_requests():
    items = workloads.w4()
    assert items
    for item in items:
        assert item.resources > 0
        assert validation.errors("hook-request", item.body) == []


def test_w3_drafts_trigger_the_dose_and_interaction_rules(today, tmp_path):
    rows = run.inprocess([workloads.w3(today)], iterations=1, today=today, storage_dir=str(tmp_path))
    assert {"mtx-once-weekly-hard-stop", "mtx-tmp-smx-interaction",
            "statin-contraindicated-anti-hmgcr"} <= set(rows[0]["cards"])


def test_inprocess_part_runs_and_reports(today, tmp_path):
    items = [workloads.w1(today), workloads.w2(today)]
    rows = run.inprocess(items, iterations=2, today=today, storage_dir=str(tmp_path))
    assert [r["workload"] for r in rows] == ["W1", "W2"]
    for row in rows:
        assert row["engine"]["n"] >= 1 and row["app"]["n"] >= 1
    report = {"machine": run.machine(), "inprocess": rows, "growth": run.growth(rows)}
    report["verdicts"] = run.verdicts(report)
    assert "W2 engine median <= 15 ms" in report["verdicts"]
    assert "| W1 |" in run.table(report)
    assert report["machine"]["reference_loop_ms"] > 0  # the machine's speed, to read the absolute targets against
    assert f"reference Python loop {report['machine']['reference_loop_ms']} ms" in run.table(report)


def test_update_docs_replaces_only_the_marked_table(tmp_path):
    doc = tmp_path / "README.md"
    doc.write_text(f"intro\n{run.TABLE_BEGIN}old table\n{run.TABLE_END}after\n", encoding="utf-8")
    run.update_doc(doc, "| new | table |")
    assert doc.read_text(encoding="utf-8") == f"intro\n{run.TABLE_BEGIN}| new | table |\n{run.TABLE_END}after\n"
    for path in run.DOCS:  # both real documents carry the markers
        text = path.read_text(encoding="utf-8")
        assert text.index(run.TABLE_BEGIN) < text.index(run.TABLE_END)


def test_a_bench_without_synthea_bundles_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="IMNM_SYNTHEA_DIR"):
        workloads.w4(tmp_path)


def test_the_synthea_folder_can_be_named(tmp_path):
    (tmp_path / "one.json").write_text("{}")
    found = subprocess.run([sys.executable, "-c", "from fhir_fixtures import synthea; print(synthea.bundles())"],
                           env={**os.environ, "IMNM_SYNTHEA_DIR": str(tmp_path)}, capture_output=True, text=True,
                           check=True, cwd=ROOT)
    assert str(tmp_path / "one.json") in found.stdout
