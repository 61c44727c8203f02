"""汇总, 项目 and 指标明细 as CSV and Parquet files."""
from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from pathlib import Path

from xlsproc.district.rows import (INDICATOR_COLS, INDICATORS, PROJECT_COLS, PROJECTS, SUMMARY,
                                   SUMMARY_COLS, Col, Rows)
from xlsproc.district.sources import Source, Stage, fill_stage, open_source
from xlsproc.fileio import atomic_path


CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

PARQUET_MISSING = "未安装 pyarrow，已跳过 Parquet 输出（安装方法：pip install 'xlsproc[parquet]'）。"


def csv_safe(value):
    """Text a spreadsheet would read as a formula gets a leading ' (numbers are left alone)."""
    if isinstance(value, str) and value.startswith(CSV_DANGEROUS):
        return "'" + value
    return value


def export_tables(entries, csv_dir: str | Path | None = None, parquet_dir: str | Path | None = None,
                  *, outbox: str | Path | None = None, year: int | None = None, rules=None) -> dict:
    """Write 汇总, 项目 and 指标明细 as CSV (UTF-8 with BOM, Excel opens it) and/or Parquet.

    Data rows only (no total row), one header row; links become absolute paths (链接地址).
    Returns {"csv": [paths], "parquet": [paths], "messages": [中文说明]}.
    """
    done = {"csv": [], "parquet": [], "messages": []}
    source = open_source(entries, year)
    try:
        with tempfile.TemporaryDirectory(prefix="xlsproc-export-") as tmp:
            stage = Stage(tmp)
            try:
                fill_stage(stage, Source(source.entries, None, source.outbox), outbox, None)
                rows = Rows(stage, None, rules)
                for name, cols, make in _tables(rows):
                    if csv_dir is not None:
                        done["csv"].append(str(_write_csv(Path(csv_dir), name, cols, make())))
                    if parquet_dir is not None:
                        path = _write_parquet(Path(parquet_dir), name, cols, make())
                        if path is None:
                            done["messages"].append(PARQUET_MISSING)
                            parquet_dir = None
                        else:
                            done["parquet"].append(str(path))
            finally:
                stage.close()
    finally:
        if source.opened is not None:
            source.opened.close()
    return done


def _tables(rows: Rows):
    def units():
        return (rows.unit_row(u) for u in rows.units())
    return [(SUMMARY, SUMMARY_COLS, units), (PROJECTS, PROJECT_COLS, rows.projects),
            (INDICATORS, INDICATOR_COLS, rows.indicators)]


def _flat(cols: list[Col], row: list) -> list:
    """A sheet row for a data file: links become their address, the link column goes."""
    out, address = [], None
    for col, value in zip(cols, row):
        if col.kind == "link":
            address = value[1] if value else None
        elif col.kind == "address":
            out.append(address)
        else:
            out.append(value)
    return out


def _data_heads(cols: list[Col]) -> list[str]:
    return [c.head for c in cols if c.kind != "link"]


def _write_csv(folder: Path, name: str, cols: list[Col], rows: Iterator[list]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_data_heads(cols))
        for row in rows:
            writer.writerow([csv_safe(v) for v in _flat(cols, row)])
    return path


def _write_parquet(folder: Path, name: str, cols: list[Col], rows: Iterator[list],
                   batch: int = 10_000) -> Path | None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    data_cols = [c for c in cols if c.kind != "link"]
    types = {"int": pa.int64(), "money": pa.float64(), "pct": pa.float64(),
             "score": pa.float64(), "num": pa.float64()}
    schema = pa.schema([(c.head, types.get(c.kind, pa.string())) for c in data_cols])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.parquet"
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        chunk: list[list] = []
        for row in rows:
            chunk.append(_flat(cols, row))
            if len(chunk) >= batch:
                writer.write_table(_arrow_table(pa, schema, chunk))
                chunk = []
        if chunk:
            writer.write_table(_arrow_table(pa, schema, chunk))
    return path


def _arrow_table(pa, schema, chunk: list[list]):
    columns = list(zip(*chunk)) if chunk else [[] for _ in schema]
    return pa.table([pa.array(list(col), type=f.type) for col, f in zip(columns, schema)],
                    schema=schema)
