from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True, scope="session")
def _copy_key(tmp_path_factory):
    """This test run's own key for signing annotated copies (never the user's own key file)."""
    os.environ["XLSPROC_KEY_FILE"] = str(tmp_path_factory.mktemp("key") / "copy.key")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden text dumps from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


def digest_tree(folder: Path) -> dict[str, str]:
    """sha256 of every file below a folder, to prove inputs were not modified."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_golden(text: str, golden: Path, update: bool) -> None:
    """Compare an output's text dump with its reviewed golden file (--update-golden rewrites it)."""
    if update or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        if not update:
            pytest.fail(f"golden file {golden.name} was missing and has been written; review and commit it")
    assert text == golden.read_text("utf-8")
