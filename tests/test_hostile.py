"""Issue 12 #9–#11: unlucky and hostile inputs end as a result or a Chinese file-level error,
never a crash, a densified grid or an unbounded inflate."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

import zipcraft

from builders import Layout, build, standard_table
from conftest import SAMPLES
from xlsproc.batch.run import RESULTS, process

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
EXCEL_MAX = 32_767


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    return build(standard_table(), Layout(), tmp_path_factory.mktemp("seed") / "seed.xlsx")


def _entries(outbox: Path) -> dict[str, dict]:
    return {e["relpath"]: e for e in json.loads((outbox / RESULTS).read_text("utf-8"))}


# --- #11 legal text of 32,767 characters -----------------------------------------------------

def test_longest_legal_text_keeps_scores_and_copy(tmp_path):
    longest = "长" * EXCEL_MAX
    t = standard_table()
    inds = list(t.indicators)
    inds[0] = replace(inds[0], name=("开展活动场次" + longest)[:EXCEL_MAX])
    inds[1] = replace(inds[1], reason=longest)                 # scored below weight: echoed
    inds[5] = replace(inds[5], target=("≥90%" + longest)[:EXCEL_MAX])
    inbox = tmp_path / "in"
    inbox.mkdir()
    build(replace(t, name=longest, indicators=inds), Layout(), inbox / "长文字.xlsx")
    outcome = process(inbox, tmp_path / "out", jobs=1)
    entry = _entries(tmp_path / "out")["长文字.xlsx"]
    assert entry["status"] == "ok", entry["error"]
    [ev] = entry["evaluations"]
    assert ev["project"] == longest                         # results keep the text whole
    copy = tmp_path / "out" / entry["output"]
    wb = openpyxl.load_workbook(copy)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    notes = [c.comment.text for ws in wb for row in ws.iter_rows() for c in row if c.comment]
    assert all(len(t) <= EXCEL_MAX for t in texts + notes)
    ours = [t for t in wb["审核结果"].values for t in t if isinstance(t, str)]
    ours += [t for t in wb["自评报告"].values for t in t if isinstance(t, str)]
    assert any(t.endswith("…") and len(t) == EXCEL_MAX for t in ours)
    assert outcome.exit_code == 0


# --- running xlsproc as an officer would, with a memory limit ----------------------------------

MEMORY_LIMIT = 1 << 30          # per process (address space), as issue 12 asks of every worker


def run_limited(*args: str, timeout: float = 120, memory: int = MEMORY_LIMIT) -> subprocess.CompletedProcess:
    """`python -m xlsproc.cli ARGS` in a subprocess whose address space is capped."""
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "LANG": "C.UTF-8", "XLSPROC_SOFFICE": "none"}
    return subprocess.run([sys.executable, "-m", "xlsproc.cli", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, preexec_fn=cap)


def _rewritten(src: Path, dst: Path, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, edit(info.filename, zin.read(info)))
    return dst


# --- #9 one far-away cell -----------------------------------------------------------------------

def far_cell(seed: Path, dst: Path, ref: str) -> Path:
    row = "".join(ch for ch in ref if ch.isdigit())
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>备注</t></is></c></row>'

    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"</sheetData>", cell.encode() + b"</sheetData>")
        return data
    return _rewritten(seed, dst, edit)


@pytest.mark.parametrize("ref", ["XFD1048576", "CZ1048576"])
def test_one_far_away_cell_is_read_without_a_dense_grid(seed, tmp_path, ref):
    path = far_cell(seed, tmp_path / f"远处_{ref}.xlsx", ref)
    assert path.stat().st_size < 8 * 1024
    run = run_limited("check", "--json", str(path), str(seed), timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    far, plain = json.loads(run.stdout)
    assert far["status"] == "ok"
    for key in ("total_score", "indicator_score", "grade"):
        assert far["evaluations"][0][key] == plain["evaluations"][0][key]


def test_the_copy_of_a_sheet_with_a_far_away_cell_keeps_it(seed, tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    far_cell(seed, inbox / "远处.xlsx", "XFD1048576")
    process(inbox, tmp_path / "out", jobs=1)
    entry = _entries(tmp_path / "out")["远处.xlsx"]
    assert entry["status"] == "ok" and entry["copy"] is None
    with zipfile.ZipFile(tmp_path / "out" / entry["output"]) as zf:
        assert b'<c r="XFD1048576"' in zf.read("xl/worksheets/sheet1.xml")


def test_a_large_dense_sheet_is_not_cropped(tmp_path):
    from xlsproc.read.bounds import DENSE_LIMIT, cropped_sheet
    rows = DENSE_LIMIT // 700 + 10               # columns up to ZZ: the quick bound exceeds the limit
    xml = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="ZZ{r}"><v>2</v></c></row>'
                  for r in range(1, rows, 97))
    assert cropped_sheet(f"<worksheet><sheetData>{xml}</sheetData></worksheet>".encode()) is None


# --- #10 lying zip headers --------------------------------------------------------------------

def lying_zip(seed: Path, dst: Path, part: str, extra: int = 3 << 30) -> Path:
    """seed with `part` inflating to `extra` more bytes than its header declares."""
    with zipfile.ZipFile(seed) as zf:
        members = [zipcraft.lying(zf.read(i), i.filename, extra) if i.filename == part
                   else zipcraft.Member.of(i.filename, zf.read(i)) for i in zf.infolist()]
    return zipcraft.write(dst, members)


@pytest.mark.parametrize("part", ["[Content_Types].xml", "xl/styles.xml", "xl/workbook.xml",
                                  "xl/sharedStrings.xml"])
def test_a_part_inflating_past_its_declared_size_is_refused(seed, tmp_path, part):
    if part == "xl/sharedStrings.xml":           # (a sample that has one)
        seed = SAMPLES / "功能齐全_2024_项目.xlsx"
    bomb = lying_zip(seed, tmp_path / "谎报大小.xlsx", part)
    assert bomb.stat().st_size < 8 << 20
    with zipfile.ZipFile(bomb) as zf:                # what a reader trusting the header sees
        assert zf.testzip() is None
    run = run_limited("check", "--json", str(bomb), str(seed), timeout=60)
    assert run.returncode == 1, run.stderr[-2000:]
    bad, good = json.loads(run.stdout)
    assert bad["error"]["code"] in ("file-corrupt", "file-too-large")
    assert part in bad["error"]["message"] and "声明的大小" in bad["error"]["message"]
    assert good["status"] == "ok"


# --- a reader panic ------------------------------------------------------------------------------

def test_a_legacy_file_that_makes_calamine_panic_is_corrupt_and_quiet(tmp_path):
    """A truncated .xls with a few bytes appended makes calamine's OLE reader panic (a Rust
    PanicException, no Exception): one Chinese file-corrupt line, no Rust message, no traceback."""
    data = (SAMPLES / "某区卫健委_2024_项目.xls").read_bytes()
    broken = tmp_path / "截断.xls"
    broken.write_bytes(data[:int(len(data) * 0.8932535089265274)] + b"\xa4\xd1\x03\xfbh\xaf\xf6")
    run = run_limited("check", "--verbose", str(broken), str(SAMPLES / "某街道_青少年服务_2024.xlsx"),
                      timeout=60)                                   # --verbose: codes shown
    assert run.returncode == 1
    assert "截断.xls：文件无法打开" in run.stdout + run.stderr and "（file-corrupt）" in run.stdout + run.stderr
    assert "panicked" not in run.stderr and "Traceback" not in run.stderr
    assert "某街道_青少年服务_2024.xlsx" in run.stdout + run.stderr


def test_a_legacy_xls_with_a_far_away_value_is_refused_in_chinese(seed, tmp_path):
    """calamine reads .xls densely (no XML to crop): one value at IV65536 in a 10 KB file is
    16.7 M cells, > 1 GiB. It is refused before calamine reads it; the other file is read."""
    import producers
    far = producers.to_xls(seed, tmp_path / "远处.xls", {(65535, 255): "备注"})
    near = producers.to_xls(seed, tmp_path / "近处.xls", {(60, 12): "备注"})
    assert far.stat().st_size < 16 * 1024
    run = run_limited("check", "--json", str(far), str(near), timeout=60)
    assert run.returncode == 1, run.stderr[-2000:]
    bad, good = json.loads(run.stdout)
    assert bad["error"]["code"] == "file-sparse-sheet"
    assert "IV65536" in bad["error"]["message"] and "另存为” .xlsx" in bad["error"]["message"]
    assert good["status"] == "ok" and good["evaluations"][0]["total_score"] == 97.5
