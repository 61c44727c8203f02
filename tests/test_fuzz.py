"""Issue 12 "Done means": byte- and zip-level mutations of the samples, processed as a batch
under a 1 GiB address-space limit per process (the workers inherit it) — every run ends, every
file gets its entry with a Chinese message, the untouched files' results are intact, and nothing
is an internal error or a worker crash (what a memory limit turns a runaway allocation into).

The budget is bounded for CI: XLSPROC_FUZZ_EXAMPLES batches (default 4) of FILES mutants each,
derandomised so that CI runs the same cases every time; raise it locally to search further.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import zipcraft
from conftest import SAMPLES
from test_hostile import run_limited

EXAMPLES = int(os.environ.get("XLSPROC_FUZZ_EXAMPLES", "4"))
FILES = 10
SEEDS = ["洪山区团委_2024_部门整体.xlsx", "功能齐全_2024_项目.xlsx", "某区卫健委_2024_项目.xls",
         "某区司法局_2024_项目.xlsm"]
GOOD = "某街道_青少年服务_2024.xlsx"           # copied untouched into every batch
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- mutations ---------------------------------------------------------------------------------

def _flip(data: bytes, at: float, value: int) -> bytes:
    i = int(at * (len(data) - 1))
    return data[:i] + bytes([value]) + data[i + 1:]


def _insert(data: bytes, at: float, junk: bytes) -> bytes:
    i = int(at * len(data))
    return data[:i] + junk + data[i:]


BYTE_LEVEL = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 255)),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=64)),
)
ZIP_LEVEL = st.one_of(
    st.tuples(st.just("junk"), st.integers(0, 50), st.binary(max_size=200)),
    st.tuples(st.just("cut"), st.integers(0, 50), st.floats(0, 1)),
    st.tuples(st.just("drop"), st.integers(0, 50)),
    st.tuples(st.just("lie"), st.integers(0, 50), st.sampled_from([1 << 20, 200 << 20, 3 << 30])),
    st.tuples(st.just("understate"), st.integers(0, 50), st.integers(1, 1000)),
    st.tuples(st.just("method"), st.integers(0, 50), st.sampled_from([0, 9, 12, 14, 99])),
    st.tuples(st.just("far"), st.sampled_from(["XFD1048576", "CZ1048576", "A1048576", "XFD1"])),
    st.tuples(st.just("text"), st.integers(0, 50), st.sampled_from([32_767, 40_000])),
    st.tuples(st.just("rename"), st.integers(0, 50), st.sampled_from(["../x.xml", "", "a" * 300])),
)
MUTANT = st.tuples(st.sampled_from(SEEDS), st.lists(st.one_of(BYTE_LEVEL, ZIP_LEVEL), min_size=1,
                                                   max_size=3))


def mutate(seed: bytes, steps: list[tuple]) -> bytes:
    data = seed
    for step in steps:
        data = _apply(data, step)
    return data


def _apply(data: bytes, step: tuple) -> bytes:
    kind = step[0]
    if kind == "flip":
        return _flip(data, step[1], step[2])
    if kind == "truncate":
        return data[:int(step[1] * len(data))]
    if kind == "insert":
        return _insert(data, step[1], step[2])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            contents = [(i.filename, zf.read(i)) for i in zf.infolist()]
    except Exception:             # noqa: BLE001 — no zip (left): zip-level steps do nothing
        return data
    if not contents:
        return data
    members = [zipcraft.Member.of(n, c) for n, c in contents]
    i = step[1] % len(members) if isinstance(step[1], int) else 0
    name, content = contents[i]
    if kind == "junk":
        members[i] = zipcraft.Member.of(name, step[2])
    elif kind == "cut":
        members[i] = zipcraft.Member.of(name, content[:int(step[2] * len(content))])
    elif kind == "drop":
        del members[i]
    elif kind == "lie":
        members[i] = zipcraft.lying(content, name, step[2])
    elif kind == "understate":
        members[i].size = max(0, members[i].size - step[2])
    elif kind == "method":
        members[i].method = step[2]
    elif kind == "rename":
        members[i].name = step[2]
    elif kind == "far":
        members = [_with_far_cell(m, step[1]) for m in members]
    elif kind == "text":
        members = [_with_long_text(m, step[2]) if m.name.endswith(("sheet1.xml", "sharedStrings.xml"))
                   else m for m in members]
    return zipcraft.to_bytes(members)


def _content(m: zipcraft.Member) -> bytes:
    return zlib.decompressobj(-15).decompress(m.stream, m.size + 1) if m.method == 8 else m.stream


def _with_far_cell(m: zipcraft.Member, ref: str) -> zipcraft.Member:
    if not m.name.endswith("worksheets/sheet1.xml"):
        return m
    row = "".join(ch for ch in ref if ch.isdigit())
    cell = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>'.encode()
    return zipcraft.Member.of(m.name, _content(m).replace(b"</sheetData>", cell, 1))


def _with_long_text(m: zipcraft.Member, n: int) -> zipcraft.Member:
    """The first text of the part (a shared string, or an inline one) made n characters long."""
    content = _content(m)
    found = re.search(rb"<t(?: [^>]*)?>([^<]*)</t>", content)
    if not found:
        return m
    return zipcraft.Member.of(m.name, content[:found.start(1)] + ("长" * n).encode() + content[found.end(1):])


# --- the property --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> dict:
    """The untouched file's results, from a batch of its own."""
    inbox = tmp_path_factory.mktemp("good") / "in"
    inbox.mkdir()
    shutil.copy(SAMPLES / GOOD, inbox / GOOD)
    out = inbox.parent / "out"
    run = run_limited("process", str(inbox), "-o", str(out), "--jobs", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    [entry] = json.loads((out / "results.json").read_text("utf-8"))
    return _figures(entry)


def _figures(entry: dict) -> list:
    return [(ev["sheet"], ev["total_score"], ev["grade"], ev["flag_counts"]) for ev in entry["evaluations"]]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],      # no shrinking: each case is a batch run
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                  HealthCheck.data_too_large])
@given(mutants=st.lists(MUTANT, min_size=FILES, max_size=FILES))
def test_mutated_samples_end_with_a_result_or_a_chinese_error(mutants, expected, tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    inbox = root / "in"
    inbox.mkdir()
    for n, (seed, steps) in enumerate(mutants):
        name = f"变异{n:02d}{Path(seed).suffix}"
        (inbox / name).write_bytes(mutate((SAMPLES / seed).read_bytes(), steps))
    shutil.copy(SAMPLES / GOOD, inbox / GOOD)
    out = root / "out"
    run = run_limited("process", str(inbox), "-o", str(out), "--jobs", "2", "--timeout", "30",
                      timeout=150)
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stderr and "panicked" not in run.stderr, run.stderr[-3000:]
    entries = {e["relpath"]: e for e in json.loads((out / "results.json").read_text("utf-8"))}
    assert set(entries) == {p.name for p in inbox.iterdir()}
    assert _figures(entries[GOOD]) == expected
    for rel, entry in entries.items():
        if entry["status"] == "error":
            code, message = entry["error"]["code"], entry["error"]["message"]
            assert code not in ("internal-error", "worker-crashed"), (rel, mutants, message)
            assert CHINESE.search(message), (rel, message)
        else:
            assert entry["status"] == "ok"
            copy = entry.get("copy")
            assert copy is None or CHINESE.search(copy["message"]), (rel, copy)
