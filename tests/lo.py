"""LibreOffice (headless) for the tests: open our workbooks in a real spreadsheet program.

Each call starts one soffice for any number of files, with its own throw-away user profile
(`-env:UserInstallation=file:///tmp/lo-profile-XXX`), so parallel runs never share a profile.
That profile tells Calc to recalculate every formula on load: by default LibreOffice keeps the
cached results of an .xlsx it did not write itself, which would make a "recalculated" value
merely our own cached one. soffice exits 0 even when it cannot load a file (it only prints
"Error: source file could not be loaded"), so failures are detected from its output and from
the converted files themselves.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from typing import NamedTuple
from pathlib import Path

import pytest

SKIP_REASON = "未安装 LibreOffice（soffice），跳过在真实表格软件中打开和重算文件的测试"
TIMEOUT_START = 90          # seconds for soffice to start and stop
TIMEOUT_PER_FILE = 30       # and for each file it converts
FILTERS = {"pdf": "pdf:calc_pdf_Export", "xlsx": "xlsx:Calc MS Excel 2007 XML", "ods": "ods:calc8",
           "xls": "xls:MS Excel 97"}
WRITER_PDF = "pdf:writer_pdf_Export"        # a .docx is printed by Writer
WRITER_SKIP = "未安装 LibreOffice Writer（libreoffice-writer-nogui），跳过打印 Word 文档的测试"

# OOXMLRecalcMode / ODFRecalcMode: 0 = always recalculate on load, 1 = never, 2 = ask.
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(AssertionError):
    """soffice could not open or convert a file (an AssertionError: it fails the test)."""


def soffice_path() -> str | None:
    """The soffice executable, or None when LibreOffice is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in sorted(Path("/opt").glob("libreoffice*/program/soffice")):
        return str(candidate)
    return None


def require_writer() -> str:
    """soffice's path when LibreOffice can open Word documents, or skip the calling test."""
    path = require_soffice()
    program = Path(path).resolve().parent
    if not any(program.glob("libswlo.so")) and not any(program.glob("swlo.dll")):
        pytest.skip(WRITER_SKIP)
    return path


def require_soffice() -> str:
    """soffice's path, or skip the calling test with a visible Chinese reason."""
    path = soffice_path()
    if path is None:
        pytest.skip(SKIP_REASON)
    return path


def to_pdf(path: Path, outdir: Path) -> Path:
    """Open one workbook in LibreOffice and print it to PDF; LibreOfficeError on any failure."""
    return convert([path], outdir, "pdf")[0]


def to_pdf_many(paths: Sequence[Path], outdir: Path) -> list[Path]:
    return convert(paths, outdir, "pdf")


def recalculate(path: Path, outdir: Path) -> Path:
    """Load a workbook, recalculate every formula and save it as .xlsx in outdir."""
    return convert([path], outdir, "xlsx")[0]


def recalculate_many(paths: Sequence[Path], outdir: Path) -> list[Path]:
    return convert(paths, outdir, "xlsx")


def convert(paths: Sequence[Path], outdir: Path, target: str) -> list[Path]:
    """Convert every file in ONE soffice run; the outputs in the order of `paths`."""
    paths = [Path(p).resolve() for p in paths]
    outdir = Path(outdir).resolve()
    outputs = _planned_outputs(paths, outdir, target)
    outdir.mkdir(parents=True, exist_ok=True)
    for out in outputs:
        out.unlink(missing_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-", dir="/tmp"))
    try:
        (profile / "user").mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, "utf-8")
        output = _run(_command(paths, outdir, target, profile),
                      TIMEOUT_START + TIMEOUT_PER_FILE * len(paths))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    _check_outputs(paths, outputs, target, output)
    return outputs


def _planned_outputs(paths: list[Path], outdir: Path, target: str) -> list[Path]:
    if target not in FILTERS:
        raise ValueError(f"unknown target {target!r}")
    outputs = [outdir / f"{p.stem}.{target}" for p in paths]
    if len(set(outputs)) != len(outputs):
        raise ValueError("two inputs would convert to the same output name: " + ", ".join(map(str, paths)))
    if any(p.parent == outdir and p.suffix.lower() == f".{target}" for p in paths):
        raise ValueError("outdir must differ from the inputs' folder when converting to the same format")
    return outputs


def _command(paths: list[Path], outdir: Path, target: str, profile: Path) -> list[str]:
    exe = soffice_path()
    if exe is None:
        raise LibreOfficeError(SKIP_REASON)
    return [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--nolockcheck", "--convert-to",
            WRITER_PDF if target == "pdf" and paths[0].suffix == ".docx" else FILTERS[target],
            "--outdir", str(outdir),
            *map(str, paths)]


def _run(cmd: list[str], timeout: float) -> str:
    """Run soffice in its own process group; kill that group (only) on timeout."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise LibreOfficeError(f"LibreOffice 在 {timeout:.0f} 秒内未完成转换：{' '.join(cmd[-3:])}") from None
    text = out.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise LibreOfficeError(f"LibreOffice 退出码 {proc.returncode}：{text}")
    return text


def _check_outputs(paths: list[Path], outputs: list[Path], target: str, output: str) -> None:
    errors = [line for line in output.splitlines()          # file names may say "error" too
              if "error" in line.lower() and not line.startswith("convert ")]
    if errors:
        raise LibreOfficeError("LibreOffice 报告错误：" + "；".join(errors) + f"\n{output}")
    magic = {"pdf": b"%PDF-", "xls": b"\xd0\xcf\x11\xe0"}.get(target, b"PK\x03\x04")
    for src, out in zip(paths, outputs):
        if not out.is_file() or out.stat().st_size == 0:
            raise LibreOfficeError(f"LibreOffice 未能转换 {src.name}（没有生成 {out.name}）\n{output}")
        with open(out, "rb") as fh:
            if not fh.read(len(magic)) == magic:
                raise LibreOfficeError(f"LibreOffice 生成的 {out.name} 不是有效的 {target} 文件")


def pdf_text(pdf: Path, layout: bool = False) -> str:
    """The text of a PDF (pdftotext, poppler-utils) with all white space removed. In reading
    order by default (table columns one after another); `layout` keeps lines as printed (a
    lone wrapped "。" stays after its line)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("未安装 pdftotext（poppler-utils），跳过检查打印内容的测试")
    out = subprocess.run([exe, "-enc", "UTF-8", *(["-layout"] if layout else []), str(pdf), "-"],
                         capture_output=True, check=True, timeout=60)
    return squeeze(out.stdout.decode("utf-8"))


def squeeze(text: str) -> str:
    return "".join(text.split())


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) in points of every page, rounded (pdfinfo)."""
    exe = shutil.which("pdfinfo")
    if exe is None:
        pytest.skip("未安装 pdfinfo（poppler-utils），跳过检查打印页面的测试")
    out = subprocess.run([exe, "-f", "1", "-l", "9999", str(pdf)], capture_output=True, check=True,
                         timeout=60).stdout.decode("utf-8", "replace")
    import re
    return [(round(float(w)), round(float(h)))
            for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out)]


class Word(NamedTuple):
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def pdf_words(pdf: Path) -> list[list[Word]]:
    """The words of every page with their boxes in points (pdftotext -bbox)."""
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("未安装 pdftotext（poppler-utils），跳过检查打印内容的测试")
    out = subprocess.run([exe, "-bbox", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True, timeout=60).stdout.decode("utf-8")
    import html
    import re
    pages = []
    for page in out.split("<page ")[1:]:
        pages.append([Word(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in
                      re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                 r'yMax="([\d.]+)">(.*?)</word>', page)])
    return pages


def overlapping_words(page: list[Word], slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of words printed over each other: a text running past its cell into the next one
    (clipped on paper) overlaps the neighbour's text."""
    found = []
    words = sorted(page, key=lambda w: w.x0)
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b.x0 >= a.x1 - slack:
                break
            if abs(a.y0 - b.y0) < 0.5 * min(a.y1 - a.y0, b.y1 - b.y0):     # on one line
                found.append((a.text, b.text))
    return found


def in_reading_order(text: str, printed: str, spread: float = 2.0) -> bool:
    """`text` (white space removed) appears in `printed` whole, or its characters appear in order
    within a stretch at most `spread` times its length: a wrapped table cell whose lines
    pdftotext interleaves with its neighbours' (every character still printed, in order)."""
    if text in printed:
        return True
    start = printed.find(text[:2])
    while start >= 0:
        pos, end = start, start + int(spread * len(text)) + 20
        for ch in text:
            pos = printed.find(ch, pos, end)
            if pos < 0:
                break
            pos += 1
        else:
            return True
        start = printed.find(text[:2], start + 1)
    return False
