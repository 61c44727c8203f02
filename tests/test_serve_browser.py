"""xlsproc serve in a real browser: Debian's chromium driven by Playwright, against the server
started as a bureau starts it (`xlsproc serve … --roster …`, loopback). Screenshots of each page
go to $XLSPROC_SCREENS (default: the test's tmp folder) to be looked at."""
from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="网页服务的依赖未安装（pip install -e '.[web]'）")
playwright = pytest.importorskip("playwright.sync_api", reason="未安装 playwright（pip install playwright）")

from lo import to_pdf  # noqa: E402
from serve_helpers import SAMPLES, SEED, SEED_UNIT, TOKEN, Server, write_roster  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MISSING_UNIT = "武汉市洪山区未报送局"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="未安装 chromium（Debian：apt-get install chromium），跳过浏览器测试；CI（.ci/run）会安装")


@pytest.fixture(scope="module")
def screens(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("XLSPROC_SCREENS") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    roster = write_roster(tmp / "应报单位.xlsx", [SEED_UNIT, MISSING_UNIT])
    srv = Server(tmp, "--roster", str(roster))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True,
                                  locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()


def shoot(page, screens: Path, name: str) -> Path:
    path = screens / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000
    return path


def submit(page, server, unit: str, files: list[Path]):
    page.goto(server.url + "/")
    page.fill("#unit", unit)
    page.set_input_files("#files", [str(f) for f in files])
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_the_seed_uploaded_in_the_browser_shows_its_scores(page, server, screens, tmp_path):
    page.goto(server.url + "/")
    shoot(page, screens, "1-部门上传页")
    submit(page, server, SEED_UNIT, [SEED])
    scores = page.locator("table.scores").first
    assert [scores.locator(f"td.{c}").inner_text() for c in ("rate", "exec", "ind", "total", "grade")] \
        == ["99.38%", "19.88", "80", "99.88", "优"]
    flags = page.locator("table.flags tr.warning")
    assert flags.count() == 10
    assert "E12" in flags.first.inner_text() and "说明超额完成的原因" in flags.first.inner_text()
    shoot(page, screens, "2-部门检查结果")
    with page.expect_download() as info:
        page.click("text=下载批注副本")
    copy = tmp_path / info.value.suggested_filename
    info.value.save_as(copy)
    assert copy.name == SEED.name
    pdf = to_pdf(copy, tmp_path / "pdf")                 # opens in LibreOffice (skips without it)
    assert pdf.stat().st_size > 1000


def test_a_damaged_file_shows_its_chinese_reason(page, server, screens):
    submit(page, server, "某街道办事处", [SAMPLES / "bad" / "损坏文件.xlsx"])
    reason = page.locator(".upload.failed .reason").inner_text()
    assert reason.startswith("无法读取：文件无法打开") and "请重新从原系统导出" in reason
    shoot(page, screens, "3-坏文件的原因")


def test_files_dropped_on_the_drop_zone_are_uploaded(page, server):
    page.goto(server.url + "/")
    page.fill("#unit", "拖放测试单位")
    data = base64.b64encode(SEED.read_bytes()).decode()
    transfer = page.evaluate_handle(
        """([name, data]) => { const dt = new DataTransfer();
             const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
             dt.items.add(new File([bytes], name)); return dt; }""", [SEED.name, data])
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    assert SEED.name in page.locator("#chosen").inner_text()
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("td.total").first.inner_text() == "99.88"


def test_the_bureau_page_needs_the_token_and_lists_the_missing_unit(page, server, screens, tmp_path):
    from dataclasses import replace

    import httpx

    from builders import Layout, build, standard_table
    table = standard_table(unit="某街道办事处")
    table.indicators[0] = replace(table.indicators[0], score=25)      # over its weight: an error
    faulty = build(table, Layout(), tmp_path / "青少年服务项目.xlsx")
    with open(faulty, "rb") as fh:
        assert httpx.post(server.url + "/api/upload", files={"file": (faulty.name, fh)},
                          data={"unit": "某街道办事处"}, timeout=120).json()["status"] == "ok"
    response = page.goto(server.url + "/bureau")
    assert response.status == 401
    assert "访问口令" in page.inner_text("main")
    shoot(page, screens, "4-绩效科需要口令")
    page.fill("#token", "wrong")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "访问口令不正确" in page.inner_text("main")
    page.fill("#token", TOKEN)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith("/bureau")
    assert page.locator("#missing li").all_inner_texts() == [f"{MISSING_UNIT}（联系人：联系人2）"]
    assert SEED_UNIT in page.locator("table.units").inner_text()
    assert page.locator("#with-errors li").first.inner_text().startswith("某街道办事处：错误 1 个")
    shoot(page, screens, "5-绩效科报送情况")
    with page.expect_download() as info:
        page.click("text=下载全区汇总工作簿")
    assert info.value.suggested_filename == "全区绩效自评汇总.xlsx"


def test_screens_are_kept_for_people_to_look_at(screens):
    """The lead's copy of the screenshots (when XLSPROC_SCREENS_COPY names a folder)."""
    names = sorted(p.name for p in screens.glob("*.png"))
    assert {"1-部门上传页.png", "2-部门检查结果.png", "4-绩效科需要口令.png"} <= set(names)
    target = os.environ.get("XLSPROC_SCREENS_COPY")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy2(screens / name, Path(target) / name)


@pytest.fixture
def small_server(tmp_path):
    """A server (in a thread, real uvicorn on loopback) whose size limit is 4 KiB."""
    import threading

    import uvicorn

    from serve_helpers import free_port
    from xlsproc.serve.app import create_app
    from xlsproc.serve.service import Service
    service = Service(tmp_path / "in", tmp_path / "out", jobs=1, max_bytes=4096)
    port = free_port()
    config = uvicorn.Config(create_app(service, TOKEN), host="127.0.0.1", port=port,
                            log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    yield f"http://127.0.0.1:{port}", service
    server.should_exit = True
    thread.join(30)


@pytest.mark.parametrize("size", [20_000, 3 << 20])    # over the file limit / over the body limit
def test_a_file_over_the_limit_gets_its_reason_in_the_browser(page, small_server, tmp_path, size):
    url, service = small_server
    big = tmp_path / "很大的表.xlsx"
    big.write_bytes(b"PK" + b"\0" * size)
    page.goto(url + "/")
    page.fill("#unit", "大文件单位")
    page.set_input_files("#files", str(big))
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "超过上限 4 KiB，已拒绝接收" in page.inner_text("main")
    assert not list(service.inbox.rglob("*.xlsx"))
