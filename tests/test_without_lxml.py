"""The OOXML tests again with openpyxl on its ElementTree backend, as on a machine without lxml.

lxml is installed here (python-docx needs it), and openpyxl then writes its fixtures with it:
`<v/>`, namespaces and attribute order differ from what it writes without lxml, and the patch,
its verification and the golden copies must not depend on which. OPENPYXL_LXML=False makes
openpyxl ignore lxml (openpyxl/xml/__init__.py), so both backends are tested on every run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# The modules whose fixtures openpyxl writes and whose assertions look at the XML we write.
MODULES = ("test_xlsxpatch.py", "test_xlsxpatch_speed_equivalence.py", "test_ooxml_mis_edit.py",
           "test_ooxml_equivalence.py", "test_annotate.py", "test_golden.py", "test_producers.py",
           "test_roundtrip.py")


def test_the_ooxml_tests_pass_with_openpyxl_writing_without_lxml():
    pytest.importorskip("lxml")        # without lxml, the whole suite already runs this way
    check = subprocess.run(
        [sys.executable, "-c", "import openpyxl.xml as x; print(x.LXML)"],
        env={**os.environ, "OPENPYXL_LXML": "False"}, capture_output=True, text=True)
    assert check.stdout.strip() == "False"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *MODULES],
        cwd=TESTS, env={**os.environ, "OPENPYXL_LXML": "False"}, capture_output=True, text=True,
        timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout.splitlines()[-1]
