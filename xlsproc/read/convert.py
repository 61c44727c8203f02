"""Legacy and foreign workbooks (.xls, .et, .xlsb, .ods) → .xlsx with LibreOffice, for the copy.

calamine reads their values, but an .xlsx rebuilt from values loses borders, fills, fonts, number
formats, widths, validations, images… LibreOffice (headless) converts with the formatting; the
annotated copy is then made from its .xlsx like any other. Only files that are not already
.xlsx/.xlsm are converted, one LibreOffice run per file (start-up costs seconds).

Each process has its own LibreOffice profile (-env:UserInstallation), so parallel workers never
share one; it is made on first use and removed when the process exits. The input is copied into
a private folder under a plain name first: LibreOffice never sees (nor can touch) the original.
A conversion that fails or outlasts TIMEOUT gives None (its process group is killed).
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
from multiprocessing.util import Finalize
from pathlib import Path

TIMEOUT = 90.0              # seconds for one conversion, LibreOffice's start-up included
ENV = "XLSPROC_SOFFICE"     # path of soffice, or "none" to do without LibreOffice
FILTER = "xlsx:Calc MS Excel 2007 XML"
FORMATS = {".xls": "旧版 Excel 97-2003 工作簿（.xls）", ".et": "WPS 表格文件（.et）",
           ".ett": "WPS 表格模板（.ett）", ".xlsb": "Excel 二进制工作簿（.xlsb）",
           ".ods": "OpenDocument 电子表格（.ods）"}

_profile: tuple[int, Path] | None = None       # (the process it belongs to, its folder)


def soffice() -> str | None:
    """The LibreOffice executable, or None (not installed, or XLSPROC_SOFFICE=none)."""
    chosen = os.environ.get(ENV)
    if chosen:
        return None if chosen.lower() == "none" else chosen
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((str(p) for p in sorted(Path("/opt").glob("libreoffice*/program/soffice"))), None)


def format_name(path: Path) -> str:
    return FORMATS.get(path.suffix.lower(), f"{path.suffix or '无扩展名'} 文件")


def to_xlsx(src: Path, workdir: Path, data: bytes | None = None,
            timeout: float = TIMEOUT) -> Path | None:
    """src (or its bytes, `data`) converted to an .xlsx inside workdir; None when LibreOffice is
    missing, fails or times out."""
    exe = soffice()
    if exe is None:
        return None
    inbox, outdir = workdir / "lo-in", workdir / "lo-out"
    inbox.mkdir(parents=True, exist_ok=True)
    outdir.mkdir(parents=True, exist_ok=True)
    plain = inbox / ("input" + src.suffix.lower())
    if data is not None:
        plain.write_bytes(data)
    else:
        shutil.copyfile(src, plain)
    cmd = [exe, f"-env:UserInstallation={_user_profile().as_uri()}", "--headless", "--norestore",
           "--nolockcheck", "--nologo", "--nodefault", "--convert-to", FILTER,
           "--outdir", str(outdir), str(plain)]
    if not _run(cmd, timeout):
        return None
    out = outdir / "input.xlsx"
    try:
        with open(out, "rb") as fh:
            return out if fh.read(4) == b"PK\x03\x04" else None
    except OSError:
        return None


def _run(cmd: list[str], timeout: float) -> bool:
    """Run LibreOffice in its own process group; kill that group (only) when it overruns."""
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return False
    try:
        return proc.wait(timeout=timeout) == 0
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False


def _user_profile() -> Path:
    """This process's profile. A forked worker inherits its parent's variable, never its
    profile: two LibreOffice instances on one profile hand each other their work or fail."""
    global _profile
    if _profile is None or _profile[0] != os.getpid() or not _profile[1].is_dir():
        folder = Path(tempfile.mkdtemp(prefix=f"xlsproc-lo-{os.getpid()}-"))
        _profile = (os.getpid(), folder)
        atexit.register(shutil.rmtree, folder, True)
        # (worker processes leave through multiprocessing, which runs its finalizers, not atexit)
        Finalize(None, shutil.rmtree, args=(str(folder), True), exitpriority=0)
    return _profile[1]
