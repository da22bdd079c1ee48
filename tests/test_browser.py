"""The web workspace in a real browser: Debian's Chromium, driven by Playwright, against the app served by uvicorn.

One server and one browser for the module, on a home seeded by
:mod:`tests.browser_support` (twelve sample letters through intake, their
understanding taken from the truth, grouped and routed by the pipeline; no
OCR). Each test signs in in a fresh browser context, so cookies never leak
between scenarios, and uses its own cases, so the tests do not depend on
their order. The screenshots in docs/screenshots/ are written here, every run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser_support import CHROMIUM, require_browser

sync_api = require_browser()
expect = sync_api.expect

from pipeline.cases.closure import closure_check  # noqa: E402
from pipeline.cases.facts import office_today  # noqa: E402
from pipeline.review.stats import dashboard_stats  # noqa: E402
from pipeline.store.models import Case, CaseEvent  # noqa: E402
from tests.browser_support import (  # noqa: E402
    EVIL_IMG,
    EVIL_SCRIPT,
    OFFICER_UNIT,
    PASSWORD,
    LiveServer,
    Seed,
    seed_office,
)

SHOTS = Path(__file__).parent.parent / "docs" / "screenshots"
VIEWPORT = {"width": 1366, "height": 900}
WAGE_LETTER = "letter_17.png"  # wage arrears in 北岭县北岭镇, category in doubt: the reviewer's letter
OFFICER_LETTER = "letter_04.pdf"  # demolition in 河西县河西镇: led by 河西县住房和城乡建设局
OTHER_UNITS_LETTER = "letter_02.jpg"  # wage arrears in 南湖区: led by 南湖区人力资源和社会保障局


@dataclass
class Office:
    app: object
    seed: Seed
    url: str

    def read(self, fn):
        with self.app.state.ctx.db.session() as session:
            return fn(session)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    from pipeline.settings import load_settings
    from pipeline.web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        # A developer's deployment settings must not leak in (conftest's autouse fixture is per test).
        for key in list(os.environ):
            if key.startswith("LIANMING_") and key != "LIANMING_TEST_PG_URL":
                mp.delenv(key)
        settings = load_settings(home=tmp_path_factory.mktemp("browser") / "home", web_cookie_secure=False)
        app = create_app(settings)
        seed = seed_office(app.state.ctx, today=office_today(ZoneInfo(settings.timezone)))
        with LiveServer(app) as server:  # its shutdown closes the app's context
            yield Office(app=app, seed=seed, url=server.url)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) with a stable viewport; every dialog is recorded and accepted."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.dialogs, tab.script_errors = [], []

    def on_dialog(dialog):
        tab.dialogs.append(dialog.message)
        dialog.accept()

    def on_console(message):
        # A 404/409 page is logged as a failed resource; anything else (a CSP refusal, a JS error) is a bug.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            tab.script_errors.append(message.text)

    tab.on("dialog", on_dialog)
    tab.on("console", on_console)
    tab.on("pageerror", lambda error: tab.script_errors.append(str(error)))
    yield tab
    context.close()


def sign_in(page, office: Office, username: str) -> None:
    page.goto(f"{office.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#current-user")).to_contain_text(username)


def images_loaded(page) -> None:
    page.wait_for_function("() => [...document.images].every(img => img.complete && img.naturalWidth > 0)")


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True, animations="disabled")


# --- 1. the reviewer -------------------------------------------------------------------------------------------


def test_reviewer_corrects_a_category_and_the_case_is_rerouted(office, page):
    letter_id, case_id = office.seed.letters[WAGE_LETTER], office.seed.cases[WAGE_LETTER]
    sign_in(page, office, "rev")
    expect(page).to_have_url(f"{office.url}/queue")
    rows = page.locator("#queue-table tbody tr")
    expect(rows).to_have_count(6)  # the letters understanding was unsure of
    row = page.locator(f"#queue-row-{letter_id}")
    expect(row).to_contain_text("类别「拖欠工资」把握")  # the low-confidence reason, in the office's words
    # Most needed first: a doubtful category outranks a doubtful reading or an unknown place.
    priorities = [int(p) for p in rows.evaluate_all("rows => rows.map(r => r.dataset.priority)")]
    assert priorities == sorted(priorities, reverse=True)
    shoot(page, "queue.png")

    row.locator("a.queue-letter").click()
    expect(page).to_have_url(f"{office.url}/letters/{letter_id}")
    expect(page.locator("#fact-category")).to_have_attribute("data-code", "wage_arrears")
    expect(page.locator("#fact-place")).to_contain_text("北岭县 北岭镇")
    expect(page.locator("#fact-signatories")).to_contain_text("23")
    expect(page.locator("#letter-text")).to_contain_text("拖欠")
    expect(page.locator("#page-image-1")).to_be_visible()
    images_loaded(page)
    assert page.locator("#page-image-1").evaluate("img => img.naturalWidth") >= 1000  # the scan, not an icon
    shoot(page, "letter.png")

    page.click("#case-link")
    expect(page).to_have_url(f"{office.url}/cases/{case_id}")
    expect(page.locator("#case-lead-unit")).to_have_text("北岭县人力资源和社会保障局")
    page.go_back()

    page.select_option("#category-value", "environmental_pollution")
    page.click("#correct-category-submit")
    expect(page).to_have_url(f"{office.url}/letters/{letter_id}?done=corrected")
    expect(page.locator("#flash")).to_have_text("已更正")
    expect(page.locator("#fact-category")).to_have_attribute("data-code", "environmental_pollution")

    page.click("#case-link")
    expect(page.locator("#case-lead-unit")).to_have_text("北岭县生态环境局")
    expect(page.locator("#case-category")).to_have_text(re.compile("环境"))
    expect(page.locator("#case-routing-rule")).not_to_have_text("—")
    expect(page.locator("#case-events tr[data-kind=routed]")).to_have_count(2)  # first routing, then the new one
    assert office.read(lambda s: s.get(Case, case_id).lead_unit) == "北岭县生态环境局"

    # The correction answered the only doubt: the letter has left the queue.
    page.click("#nav-queue")
    expect(page.locator("#queue-table")).to_be_visible()
    expect(page.locator(f"#queue-row-{letter_id}")).to_have_count(0)
    assert page.dialogs == [] and page.script_errors == []


# --- 2. the lead unit's officer ---------------------------------------------------------------------------------


def test_lead_unit_acknowledges_results_replies_and_the_case_counts_as_closed(office, page, browser, tmp_path):
    case_id = office.seed.cases[OFFICER_LETTER]
    sign_in(page, office, "hx_zjj")
    expect(page).to_have_url(f"{office.url}/my-cases")
    expect(page.locator("#current-user")).to_contain_text(OFFICER_UNIT)
    page.locator(f"#my-case-{case_id} a").click()
    expect(page).to_have_url(f"{office.url}/cases/{case_id}")
    expect(page.locator("#case-status")).to_have_text("已交办")
    expect(page.locator("#case-lead-unit")).to_have_text(OFFICER_UNIT)
    registered = date.fromisoformat(page.inner_text("#case-registered-on").strip())
    ack_on, result_on, reply_on = (registered + timedelta(days=d) for d in (3, 21, 26))
    assert reply_on <= office.seed.today

    page.fill("#ack-date", ack_on.isoformat())
    page.fill("#ack-text", "已电话告知代表人，本局受理")
    page.click("#ack-submit")
    expect(page.locator("#flash")).to_have_text("已记录受理告知")
    expect(page.locator("#case-status")).to_have_text("已受理")

    document = tmp_path / "处理意见书.pdf"
    from PIL import Image, ImageDraw

    sheet = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(sheet).text((60, 60), f"Result of case {case_id}", fill="black")
    sheet.save(document, "PDF")
    page.fill("#result-date", result_on.isoformat())
    page.fill("#result-text", "经核查，东关村拆迁补偿按2024年标准补足差额，已责成镇政府三十日内发放")
    page.set_input_files("#result-document", str(document))
    page.click("#result-submit")
    expect(page.locator("#flash")).to_have_text("已记录处理意见")
    expect(page.locator("#case-status")).to_have_text("已出处理意见")
    link = page.locator("#case-events tr[data-kind=result] a[id^=event-document-]")
    expect(link).to_have_count(1)
    download = page.request.get(office.url + link.get_attribute("href"))
    assert download.ok and download.body() == document.read_bytes()

    page.fill("#reply-date", reply_on.isoformat())
    page.fill("#reply-text", "已书面答复代表人，告知处理意见及复查途径")
    page.click("#reply-submit")
    expect(page.locator("#flash")).to_have_text("已记录答复，事项办结")
    expect(page.locator("#case-status")).to_have_text("已办结")
    expect(page.locator("#case-closed-on")).to_have_text(reply_on.isoformat())
    expect(page.locator("#case-events tr[data-kind=ack]")).to_have_count(1)
    expect(page.locator("#step-reply")).to_have_count(0)  # nothing left to record

    events = office.read(lambda s: {e.kind: (e.on_date, e.actor, e.document_sha256) for e in s.query(CaseEvent)
                                     .filter(CaseEvent.case_id == case_id)})
    assert events["ack"][:2] == (ack_on, "hx_zjj") and events["result"][2] and events["reply"][0] == reply_on
    report = office.read(lambda s: closure_check(s, today=office.seed.today, policy=office.app.state.ctx.policy))
    assert case_id not in {row["case_id"] for row in report.overdue}
    assert case_id not in report.closed_without_result_and_reply
    assert report.closed == 3 and not report.problems  # the two closed in the seed, and this one

    # The bureau's dashboard counts it the same way.
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        board = context.new_page()
        sign_in(board, office, "rev")
        board.click("#nav-dashboard")
        expect(board.locator("#total-closed")).to_have_text("3")
        expect(board.locator("#closure-rate")).to_have_text(f"{100 * report.closure_rate:.1f}%")
        for chart in ("chart-by-category", "chart-by-place", "chart-by-week", "chart-risk", "chart-closure-by-unit"):
            expect(board.locator(f"#{chart} svg")).to_be_visible()
        unit_row = board.locator("#chart-closure-by-unit g.row", has_text=OFFICER_UNIT)
        expect(unit_row.locator("text.value")).to_have_text("100%")
        # A unit with nothing due or closed yet has no rate: "—", as in the table, not a failing 0%.
        stats = office.read(lambda s: dashboard_stats(s, policy=office.app.state.ctx.policy, today=office.seed.today))
        for unit in (u["unit"] for u in stats["units"] if u["closure_rate"] is None):
            expect(board.locator("#chart-closure-by-unit g.row", has_text=unit).locator("text.value")).to_have_text("—")
        expect(board.locator(f"#overdue-table #overdue-{case_id}")).to_have_count(0)
        shoot(board, "dashboard.png")
    finally:
        context.close()
    assert page.dialogs == [] and page.script_errors == []


# --- 3. another unit's case -------------------------------------------------------------------------------------


def test_unit_officer_cannot_open_another_units_case(office, page):
    own, other = office.seed.cases[OFFICER_LETTER], office.seed.cases[OTHER_UNITS_LETTER]
    sign_in(page, office, "hx_zjj")
    expect(page.locator(f"#my-cases-table #my-case-{own}")).to_have_count(1)
    expect(page.locator(f"#my-cases-table #my-case-{other}")).to_have_count(0)
    expect(page.locator("#my-cases-table")).not_to_contain_text(other)
    expect(page.locator("#nav-queue")).to_have_count(0)

    answer = page.goto(f"{office.url}/cases/{other}")
    assert answer.status == 404
    expect(page.locator("#error-message")).to_be_visible()
    expect(page.locator("h1")).to_have_text("未找到")
    shown = page.inner_text("#error-message")
    # Indistinguishable from a case that does not exist: ids cannot be probed.
    assert page.goto(f"{office.url}/cases/C19000101-001").status == 404
    assert page.inner_text("#error-message").replace("C19000101-001", other) == shown
    assert page.goto(f"{office.url}/letters/{office.seed.letters[OTHER_UNITS_LETTER]}").status == 404
    assert page.goto(f"{office.url}/queue").status == 403

    page.goto(f"{office.url}/my-cases")
    page.click("#logout-submit")
    expect(page.locator("#flash")).to_have_text("已退出登录")
    page.goto(f"{office.url}/my-cases")
    expect(page).to_have_url(f"{office.url}/login?next=%2Fmy-cases")
    assert page.script_errors == []


# --- 4. untrusted text ------------------------------------------------------------------------------------------


def test_letter_text_with_markup_is_shown_as_text(office, page):
    letter_id = office.seed.letters["evil"]
    sign_in(page, office, "rev")
    page.goto(f"{office.url}/letters/{letter_id}")
    text = page.locator("#letter-text")
    expect(text).to_be_visible()
    expect(text).to_contain_text(EVIL_SCRIPT)
    expect(text).to_contain_text(EVIL_IMG)
    assert text.locator("script, img").count() == 0
    page.goto(f"{office.url}/cases/{office.seed.cases['evil']}")
    page.goto(f"{office.url}/queue")
    expect(page.locator(f"#queue-row-{letter_id}")).to_be_visible()
    page.wait_for_timeout(200)  # let anything that would run, run
    assert page.dialogs == [] and page.script_errors == []
