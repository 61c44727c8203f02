"""CSV and Parquet exports are written atomically: a failure half-way leaves the old files
whole and no temporary file behind."""
from __future__ import annotations

import csv

import pytest

import xlsproc.district.export as export
from test_consolidate import make_entry
from xlsproc.district.export import export_tables

ENTRIES = [make_entry("某局", None, 2024, 90), make_entry("某街道", "项目甲", 2024, 80)]


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_failed_export_leaves_the_old_files(tmp_path, monkeypatch, kind):
    if kind == "parquet":
        pytest.importorskip("pyarrow")
    folders = {"csv": tmp_path / "csv", "parquet": tmp_path / "pq"}
    export_tables(ENTRIES, folders["csv"] if kind == "csv" else None,
                  folders["parquet"] if kind == "parquet" else None)
    before = {p.name: p.read_bytes() for p in folders[kind].iterdir()}
    assert len(before) == 3

    calls = {"n": 0}
    flat = export._flat

    def failing(cols, row):                   # the disk fills up after the first row
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(28, "No space left on device")
        return flat(cols, row)
    monkeypatch.setattr(export, "_flat", failing)
    with pytest.raises(OSError):
        export_tables(ENTRIES[::-1], folders["csv"] if kind == "csv" else None,
                      folders["parquet"] if kind == "parquet" else None)
    after = {p.name: p.read_bytes() for p in folders[kind].iterdir()}
    assert after == before                    # the old files, whole; no .tmp- left
    if kind == "csv":
        assert read_csv(folders["csv"] / "汇总.csv")[0][0] == "单位"
