"""xlsproc serve, in-process (Starlette TestClient): the department's page, the bureau's page,
the JSON API, and every refusal — hostile uploads included."""
from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="网页服务的依赖未安装（pip install -e '.[web]'）")
warnings.filterwarnings("ignore", message=".*httpx2.*")
from starlette.testclient import TestClient  # noqa: E402

from builders import Layout, build, standard_table  # noqa: E402
from conftest import digest_tree  # noqa: E402
from serve_helpers import SAMPLES, SEED, SEED_UNIT, TOKEN, write_roster  # noqa: E402
from xlsproc.serve.app import create_app  # noqa: E402
from xlsproc.serve.service import Service  # noqa: E402

MISSING_UNIT = "武汉市洪山区未报送局"
BAD = ["加密文件.xlsx", "压缩炸弹.xlsx", "空文件.xlsx", "损坏文件.xlsx", "网页另存.xls", "无评价表.xlsx"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    roster = write_roster(tmp / "应报单位.xlsx", [SEED_UNIT, "某街道办事处", MISSING_UNIT])
    service = Service(tmp / "收件箱", tmp / "审核结果", roster=roster, jobs=1)
    with TestClient(create_app(service, TOKEN), base_url="http://testserver") as client:
        yield client, service


@pytest.fixture(scope="module")
def batch_reasons(tmp_path_factory):
    """What the batch says of each damaged sample: the server must say the same."""
    from xlsproc.batch.run import process
    outcome = process(SAMPLES / "bad", tmp_path_factory.mktemp("batch"), jobs=1)
    return {Path(e["file"]).name: e["error"]["message"] for e in outcome.entries()
            if e["status"] == "error"}


def upload(client, path: Path, unit: str | None = None, name: str | None = None, **kw):
    data = {"unit": unit} if unit is not None else {}
    with open(path, "rb") as fh:
        return client.post("/api/upload", files={"file": (name or path.name, fh)}, data=data, **kw)


def form_upload(client, paths: list[Path], unit: str, csrf: str | None = "auto"):
    if csrf == "auto":
        client.get("/")
        csrf = client.cookies.get("xlsproc_csrf")
    data = {"unit": unit, **({"csrf": csrf} if csrf else {})}
    files = [("files", (p.name, p.read_bytes())) for p in paths]
    return client.post("/upload", data=data, files=files)


def with_error(**changes):
    """A project table with one error: a score of 25 for a weight of 20 (score-over-weight)."""
    table = standard_table(**changes)
    table.indicators[0] = replace(table.indicators[0], score=25)
    return table


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def unit_files(service, unit: str) -> list[str]:
    folder = service.inbox / unit
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# --- the department's page ------------------------------------------------------------------

def test_department_page_shows_the_seed_scores_and_its_problems(served):
    client, service = served
    before = digest_tree(SAMPLES)
    page = form_upload(client, [SEED], SEED_UNIT)
    assert page.status_code == 200
    text = text_of(page.text)
    for figure in ("99.38%", "19.88", "80", "99.88", "优"):
        assert figure in text
    assert "执行率 执行得分 指标得分 总分 等级" in text
    # problems with sheet, cell, what is wrong and what to do
    assert re.search(r"警告 部门整体支出绩效自评表 E12 .*2\.05 倍 请在本行“偏差原因分析及改进措施”栏说明", text), text[:3000]
    copy = re.search(r'href="(/files/[^"]+/copy)"', page.text).group(1)
    got = client.get(copy)
    assert got.status_code == 200
    assert "attachment" in got.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
        assert "审核结果" in zf.read("xl/workbook.xml").decode("utf-8")
    assert digest_tree(SAMPLES) == before                # inputs never touched
    assert (service.inbox / SEED_UNIT / SEED.name).is_file()


def test_api_upload_answers_the_results_json_entry(served):
    client, service = served
    got = upload(client, SEED, "洪山区团委API")
    assert got.status_code == 200
    entry = got.json()
    assert entry["status"] == "ok" and entry["file"] == SEED.name
    [ev] = entry["evaluations"]
    assert (round(ev["budget"]["rate"], 4), ev["budget"]["score"], ev["indicator_score"],
            ev["total_score"], ev["grade"]) == (0.9938, 19.88, 80, 99.88, "优")
    assert entry["output"] == f"洪山区团委API/{SEED.name}"
    assert (service.outbox / entry["output"]).is_file()
    assert str(service.inbox) not in got.text               # server folders are not shown


def test_api_upload_without_unit_files_it_under_the_unit_its_tables_name(served, tmp_path):
    client, service = served
    path = build(standard_table(unit="无单位测试街道办事处", name="无单位测试项目"), Layout(), tmp_path / "自评表.xlsx")
    entry = upload(client, path).json()
    assert entry["status"] == "ok"
    assert entry["relpath"] == "无单位测试街道办事处/自评表.xlsx"
    assert unit_files(service, "无单位测试街道办事处") == ["自评表.xlsx"]
    assert not (service.inbox / "未注明单位").exists()


# --- bad and hostile files --------------------------------------------------------------------

@pytest.mark.parametrize("name", BAD)
def test_a_bad_file_gets_the_batch_reason_and_leaves_nothing(served, batch_reasons, name):
    client, service = served
    unit = f"坏文件测试{BAD.index(name)}"
    page = form_upload(client, [SAMPLES / "bad" / name], unit)
    assert page.status_code == 200
    assert f"无法读取：{batch_reasons[name]}" in text_of(page.text).replace("无法读取： ", "无法读取：")
    entry = upload(client, SAMPLES / "bad" / name, unit).json()
    assert entry["status"] == "error" and entry["error"]["message"] == batch_reasons[name]
    assert unit_files(service, unit) == []                   # not kept in INBOX
    assert not (service.outbox / unit).exists() or not any((service.outbox / unit).iterdir())
    assert not [e for e in service.entries if e["relpath"].startswith(unit + "/")]
    after = upload(client, SEED, unit, name="之后的正常文件.xlsx").json()  # the server works on
    assert after["status"] == "ok" and after["evaluations"][0]["total_score"] == 99.88


def test_names_with_paths_stay_inside_the_units_folder(served):
    client, service = served
    outside = service.inbox.parent
    before = sorted(p.name for p in outside.iterdir())
    for i, name in enumerate(["../../逃逸.xlsx", "..\\..\\逃逸.xlsx", "/etc/逃逸.xlsx", "C:\\逃逸.xlsx"]):
        entry = upload(client, SEED, f"路径测试{i}", name=name).json()
        assert entry["status"] == "ok" and entry["relpath"] == f"路径测试{i}/逃逸.xlsx"
    assert sorted(p.name for p in outside.iterdir()) == before
    kept = list(outside.rglob("逃逸.xlsx"))
    assert {p.relative_to(service.inbox).as_posix() for p in kept if service.inbox in p.parents} \
        == {f"路径测试{i}/逃逸.xlsx" for i in range(4)}
    assert all(service.inbox in p.parents or service.outbox in p.parents for p in kept)


@pytest.mark.parametrize("unit, why", [("../上级", "路径分隔符"), ("..", "以“.”开头"), (".隐藏", "以“.”开头"),
                                       ("a\\b", "路径分隔符"), ("退回修改", "系统使用"), ("CON", "保留")])
def test_a_unit_that_would_be_a_path_is_refused_in_chinese(served, unit, why):
    client, service = served
    got = upload(client, SEED, unit)
    assert got.status_code == 400
    assert why in got.json()["error"]["message"]
    assert not (service.inbox.parent / "上级").exists()


@pytest.mark.parametrize("name, code", [("病毒.exe", "bad-suffix"), ("~$锁定.xlsx", "lock-file"),
                                        (".隐藏.xlsx", "bad-name"), ("a<b>.xlsx", "bad-name"),
                                        ("x" * 200 + ".xlsx", "bad-name")])
def test_names_that_are_not_workbooks_are_refused(served, name, code):
    client, service = served
    before = digest_tree(service.inbox)
    got = upload(client, SEED, "名称测试", name=name)
    assert got.status_code == 400 and got.json()["error"]["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", got.json()["error"]["message"])
    assert digest_tree(service.inbox) == before


def test_no_file_and_no_unit_are_refused_on_the_page(served):
    client, _ = served
    client.get("/")
    csrf = client.cookies.get("xlsproc_csrf")
    got = client.post("/upload", data={"csrf": csrf, "unit": "某单位"}, files=[("files", ("", b""))])
    assert got.status_code == 400 and "没有收到文件" in got.text
    got = client.post("/upload", data={"csrf": csrf, "unit": " "}, files=[("files", (SEED.name, SEED.read_bytes()))])
    assert got.status_code == 400 and "请先选择或填写本单位名称" in got.text


def test_an_upload_over_the_size_limit_is_refused_before_it_is_kept(tmp_path):
    service = Service(tmp_path / "in", tmp_path / "out", jobs=1, max_bytes=4096)
    with TestClient(create_app(service, TOKEN)) as client:
        got = upload(client, SEED, "大文件单位")                # 7.8 KB > 4 KiB
        assert got.status_code == 413 and "超过上限" in got.json()["error"]["message"]
        head = (b'--zz\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n'
                b"Content-Type: application/octet-stream\r\n\r\n")
        chunks = [head, *[b"x" * (256 << 10)] * 8, b"\r\n--zz--\r\n"]   # 2 MiB, no length:
        got = client.post("/api/upload", content=iter(chunks),           # cut off in the stream
                          headers={"content-type": "multipart/form-data; boundary=zz"})
        assert got.status_code == 413 and "超过上限" in got.json()["error"]["message"]
    assert not list((tmp_path / "in").rglob("*.xlsx"))


def test_too_many_files_in_one_form_are_refused(served):
    client, _ = served
    got = form_upload(client, [SEED] * 21, "多文件单位")
    assert got.status_code == 400 and "一次最多上传 20 个文件" in got.text


# --- cross-site posting -------------------------------------------------------------------------

def test_the_form_without_its_token_is_refused(served):
    client, service = served
    got = form_upload(client, [SEED], "跨站测试", csrf=None)
    assert got.status_code == 403 and "页面已过期或提交来源不明" in got.text
    for forged in ("forged", "伪造的令牌"):
        got = form_upload(client, [SEED], "跨站测试", csrf=forged)
        assert got.status_code == 403 and "页面已过期" in got.text
    assert unit_files(service, "跨站测试") == []


def test_posts_from_another_site_are_refused(served):
    client, service = served
    got = upload(client, SEED, "跨站测试", headers={"Origin": "http://evil.example"})
    assert got.status_code == 403 and "拒绝来自其他网站的提交" in got.json()["error"]["message"]
    got = upload(client, SEED, "跨站测试", headers={"Sec-Fetch-Site": "cross-site"})
    assert got.status_code == 403
    got = upload(client, SEED, "同站测试", headers={"Origin": "http://testserver"})
    assert got.status_code == 200
    assert unit_files(service, "跨站测试") == []


# --- the bureau ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/bureau", "/api/status", "/bureau/district.xlsx",
                                  f"/bureau/packs/{SEED_UNIT}.zip"])
def test_bureau_pages_refuse_without_the_token(served, path):
    client, _ = served
    client.cookies.delete("xlsproc_bureau")
    got = client.get(path)
    assert got.status_code == 401
    assert "访问口令" in got.text
    got = client.get(path, headers={"Authorization": "Bearer wrong"})
    assert got.status_code == 401 and "访问口令不正确" in got.text


def test_bureau_page_with_the_token_lists_the_missing_unit(served):
    client, _ = served
    form_upload(client, [SEED], SEED_UNIT)
    client.cookies.delete("xlsproc_bureau")
    client.get("/bureau")
    csrf = client.cookies.get("xlsproc_csrf")
    got = client.post("/bureau/login", data={"csrf": csrf, "token": TOKEN}, follow_redirects=True)
    assert got.status_code == 200
    text = text_of(got.text)
    assert "未报送" in text and MISSING_UNIT in re.search(r'id="missing">(.*?)</ul>', got.text, re.S).group(1)
    assert SEED_UNIT not in re.search(r'id="missing">(.*?)</ul>', got.text, re.S).group(1)
    assert "下载全区汇总工作簿" in text and "最近上传" in text


def test_status_api(served):
    client, _ = served
    upload(client, SEED, SEED_UNIT)
    got = client.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"})
    assert got.status_code == 200
    status = got.json()
    assert MISSING_UNIT in status["missing"] and SEED_UNIT not in status["missing"]
    assert SEED_UNIT in [s["unit"] for s in status["submitted"]]
    assert status["roster"] == 3


def test_the_district_workbook_and_return_packs_follow_each_change(served, tmp_path):
    client, service = served
    headers = {"Authorization": f"Bearer {TOKEN}"}
    path = build(with_error(unit="汇总测试街道办事处", name="汇总测试项目"), Layout(),
                 tmp_path / "汇总测试.xlsx")
    assert upload(client, path, "汇总测试街道办事处").json()["status"] == "ok"
    got = client.get("/bureau/district.xlsx", headers=headers)
    assert got.status_code == 200
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(got.content), read_only=True)
    cells = {str(c) for row in book["汇总"].iter_rows(values_only=True) for c in row if c}
    assert "汇总测试街道办事处" in cells
    page = client.get("/bureau", headers=headers)
    listed = re.search(r'id="with-errors">(.*?)</ul>', page.text, re.S).group(1)
    assert "汇总测试街道办事处：错误 1 个" in listed and "/bureau/packs/" in listed
    pack = client.get("/bureau/packs/汇总测试街道办事处.zip", headers=headers)
    assert pack.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(pack.content)).namelist()
    assert "汇总测试街道办事处/汇总测试.xlsx" in names and "汇总测试街道办事处/问题通知单.xlsx" in names


# --- replacing a corrected workbook -----------------------------------------------------------

def test_a_corrected_upload_replaces_the_earlier_one_of_the_same_project_and_year(served, tmp_path):
    client, service = served
    unit = "更正测试街道办事处"
    for sub in "abc":
        (tmp_path / sub).mkdir()
    first = build(with_error(unit=unit), Layout(), tmp_path / "a" / "青少年.xlsx")
    other = build(standard_table(unit=unit, name="另一个项目"), Layout(), tmp_path / "b" / "另一个.xlsx")
    fixed = build(standard_table(unit=unit), Layout(), tmp_path / "c" / "青少年.xlsx")
    assert upload(client, first, unit).json()["evaluations"][0]["flag_counts"]["error"] > 0
    assert upload(client, other, unit).json()["status"] == "ok"
    assert unit_files(service, unit) == ["另一个.xlsx", "青少年.xlsx"]
    page = form_upload(client, [fixed], unit)                # same name, same project and year
    assert "已替换之前提交的：青少年.xlsx" in page.text
    assert unit_files(service, unit) == ["另一个.xlsx", "青少年 (2).xlsx"]
    mine = [e for e in service.entries if e["relpath"].startswith(unit + "/")]
    assert sorted(e["file"] for e in mine) == ["另一个.xlsx", "青少年 (2).xlsx"]
    assert all(ev["flag_counts"]["error"] == 0 for e in mine for ev in e["evaluations"])


def test_the_same_name_from_two_units_overwrites_nothing(served):
    client, service = served
    upload(client, SEED, "单位甲")
    upload(client, SEED, "单位乙")
    assert unit_files(service, "单位甲") == [SEED.name] and unit_files(service, "单位乙") == [SEED.name]


# --- the pages themselves -------------------------------------------------------------------------

def test_pages_are_chinese_self_contained_and_guarded(served):
    client, _ = served
    client.cookies.clear()
    page = client.get("/")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text and "提交绩效自评表" in page.text
    assert re.findall(r'<option value="([^"]+)">', page.text) == [SEED_UNIT, "某街道办事处", MISSING_UNIT]
    assert not re.search(r'(src|href)="(https?:)?//', page.text)       # nothing from a CDN
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200
    headers = page.headers
    assert headers["x-frame-options"] == "DENY" and "script-src 'self'" in headers["content-security-policy"]
    assert "samesite=strict" in headers["set-cookie"].lower() and "httponly" in headers["set-cookie"].lower()
    missing = client.get("/没有这个页面")
    assert missing.status_code == 404 and "找不到" in missing.text
    assert client.get("/files/nonexistent/copy").status_code == 404


def test_a_unit_chosen_unlike_the_tables_own_is_pointed_out(served):
    client, _ = served
    page = form_upload(client, [SEED], "选错的单位")
    assert "表中填写的单位是“共青团武汉市洪山区委员会”，与所选单位“选错的单位”不一致" in page.text
    page = form_upload(client, [SEED], SEED_UNIT)
    assert "与所选单位" not in page.text


def test_serve_command_help_is_chinese():
    from typer.testing import CliRunner

    from xlsproc.cli import app
    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for text in ("网页服务", "--roster", "--host", "--token", "默认仅本机", "绩效科"):
        assert text in result.output


def test_the_word_report_is_offered_when_the_batch_wrote_one(served):
    client, service = served
    page = form_upload(client, [SEED], "报告测试单位")
    assert "下载自评报告（Word）" in page.text                   # the batch ran with docx=True
    job_id = re.search(r'href="/files/([^/"]+)/copy"', page.text).group(1)
    got = client.get(f"/files/{job_id}/report/1")
    assert got.status_code == 200 and got.content.startswith(b"PK")
    import io

    import docx
    heads = [p.text[:2] for p in docx.Document(io.BytesIO(got.content)).paragraphs
             if p.text[:2] in ("一、", "二、", "三、", "四、")]
    assert heads == ["一、", "二、", "三、", "四、"]
    assert client.get(f"/files/{job_id}/report/2").status_code == 404
    copy = service.outbox / service.by_id[job_id].output
    report = copy.with_name(copy.stem + "_自评报告.docx")            # as process --docx names it
    copy.with_name(copy.stem + " (2)_自评报告.docx").write_bytes(b"another copy's report")
    from xlsproc.serve.views import upload_view
    assert upload_view(service.by_id[job_id], service)["reports"] == [report.name]
    report.unlink()
    assert client.get(f"/files/{job_id}/report/1").status_code == 404
    assert upload_view(service.by_id[job_id], service)["reports"] == []


def test_uploads_after_the_server_stopped_are_refused_not_left_waiting(tmp_path):
    service = Service(tmp_path / "in", tmp_path / "out", jobs=1)
    with TestClient(create_app(service, TOKEN)) as client:
        assert upload(client, SEED, "停止测试").status_code == 200
        service.stop()
        got = upload(client, SEED, "停止测试", name="第二份.xlsx")
        assert got.status_code == 503 and "稍后重新提交" in got.json()["error"]["message"]
    assert sorted(p.name for p in (tmp_path / "in" / "停止测试").iterdir()) == [SEED.name]


def test_text_from_a_workbook_is_shown_as_text_never_as_markup(served, tmp_path):
    client, service = served
    hostile = '<script>alert("x")</script>街道'
    path = build(standard_table(unit=hostile, name='<img src=x onerror=alert(1)>项目'), Layout(),
                 tmp_path / "标记.xlsx")
    page = form_upload(client, [path], "标记测试单位")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert" in page.text and "&lt;img src=x" in page.text
    stored = service.inbox / "标记测试单位" / "标记.xlsx"
    assert stored.stat().st_mode & 0o777 == 0o644                # never executable


def test_tables_of_other_units_in_one_folder_replace_nothing(served):
    client, service = served
    unit = "混合文件夹"
    page = form_upload(client, [SEED, SAMPLES / "某区教育局_2024_多表.xlsx"], unit)
    assert page.status_code == 200 and "已替换" not in page.text      # two departments' tables
    assert unit_files(service, unit) == sorted([SEED.name, "某区教育局_2024_多表.xlsx"])


@pytest.mark.parametrize("headers, body", [
    ({"content-type": "multipart/form-data"}, b"garbage"),                    # no boundary
    ({"content-type": "multipart/form-data; boundary=zz"}, b"--zz\r\nbroken"),
    ({"content-type": "application/json"}, b'{"file": "x"}'),
    ({}, b""),
])
def test_malformed_requests_get_a_chinese_refusal_not_a_crash(served, headers, body):
    client, _ = served
    got = client.post("/api/upload", content=body, headers=headers)
    assert 400 <= got.status_code < 500
    assert re.search(r"[\u4e00-\u9fff]", got.json()["error"]["message"])
    got = client.put("/upload", content=body, headers=headers)
    assert got.status_code == 405 and "不支持这种请求方式" in got.text


def test_when_nothing_readable_is_left_the_district_outputs_go(tmp_path):
    service = Service(tmp_path / "in", tmp_path / "out", jobs=1)
    with TestClient(create_app(service, TOKEN)) as client:
        path = build(with_error(unit="清空测试街道办事处"), Layout(), tmp_path / "有错.xlsx")
        upload(client, path, "清空测试街道办事处")
        client.get("/bureau", headers={"Authorization": f"Bearer {TOKEN}"})   # waits for the refresh
        assert service.district_path.is_file() and service.packs
        (service.inbox / "清空测试街道办事处" / "有错.xlsx").unlink()          # the bureau removes it
        upload(client, SAMPLES / "bad" / "空文件.xlsx", "另一个单位")          # the next change
        page = client.get("/bureau", headers={"Authorization": f"Bearer {TOKEN}"})
        assert "全区汇总工作簿尚未生成" in page.text
    assert not service.district_path.exists() and service.packs == {}
    assert not [p for p in service.packs_path.iterdir() if p.is_dir()]


# --- what the officer must know about her copy ------------------------------------------------

def test_a_copy_that_could_not_be_made_is_said_instead_of_a_download(tmp_path, monkeypatch):
    """results.json's `copy` (here copy-failed: the writer broke) is shown in Chinese on the
    department's page instead of the download button, and in the bureau's latest uploads; a
    whole copy still gets its button and no such note."""
    import shutil
    import xlsproc.write.annotate as annotate
    real = annotate.patch_xlsx

    def broken(src, dst, *args, **kwargs):                  # inherited by the forked workers
        if Path(src).name.startswith("坏副本"):
            raise RuntimeError("simulated writer bug")
        return real(src, dst, *args, **kwargs)
    monkeypatch.setattr(annotate, "patch_xlsx", broken)
    bad, good = tmp_path / "坏副本.xlsx", tmp_path / "好.xlsx"
    shutil.copy(SEED, bad)
    shutil.copy(SEED, good)
    service = Service(tmp_path / "收件箱", tmp_path / "审核结果", jobs=1, start_method="fork")
    with TestClient(create_app(service, TOKEN), base_url="http://testserver") as client:
        page = form_upload(client, [bad], SEED_UNIT).text
        article = re.search(r'<article[^>]*data-file="坏副本.xlsx".*?</article>', page, re.S).group(0)
        assert "/copy" not in article and "下载批注副本" not in article
        assert "批注副本未输出：生成批注副本时出错" in text_of(article)
        assert "得分和问题已照常记入审核结果" in article and "99.88" in article
        page = form_upload(client, [good], "另一单位").text
        article = re.search(r'<article[^>]*data-file="好.xlsx".*?</article>', page, re.S).group(0)
        assert "下载批注副本" in article and "批注副本未输出" not in article
        client.get("/bureau")
        csrf = client.cookies.get("xlsproc_csrf")
        bureau = client.post("/bureau/login", data={"csrf": csrf, "token": TOKEN},
                             follow_redirects=True).text
        recent = re.search(r'<table class="recent">.*?</table>', bureau, re.S).group(0)
        row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*坏副本.xlsx.*?</tr>", recent, re.S).group(0)
        assert "批注副本未输出：生成批注副本时出错" in text_of(row)
        row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*好.xlsx.*?</tr>", recent, re.S).group(0)
        assert "批注副本未输出" not in row
