"""The web app through FastAPI's TestClient, on a real SQLite home: sign-in, CSRF, access, forms, API, uploads.

Letters and cases are inserted directly and assessed by the pipeline's own
functions (as in test_case_lifecycle); uploads go through the real intake.
No OCR runs here.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from pipeline.cases.closure import closure_check
from pipeline.store.models import AuditEntry, Case, CaseEvent, Letter, User
from pipeline.web.accounts import add_user, known_units
from pipeline.web.app import create_app
from pipeline.web.auth import COOKIE_NAME, verify_password
from tests.conftest import RESOURCES
from tests.test_case_lifecycle import add_case, add_letter, assess

PASSWORD = "correct horse"
LEAD = "青山县人力资源和社会保障局"  # C1's lead unit (wage arrears in 青山县柳河镇)
CO = "柳河镇人民政府"  # C1's co-unit
OTHER = "河西县教育局"  # C2's lead unit, nothing to do with C1
EVIL = "<script>alert(1)</script>"


@pytest.fixture
def web_settings(tmp_path):
    from pipeline.settings import load_settings

    # Small limits so that the test files straddle them: text_layer.pdf (21 KB)
    # and scan_two_pages.tiff (56 KB) pass, scan_small.png (66 KB) is too large.
    return load_settings(home=tmp_path / "home", web_cookie_secure=False, web_upload_max_mb=0.06,
                         web_document_max_mb=0.06)


@pytest.fixture
def app(web_settings):
    application = create_app(web_settings)
    ctx = application.state.ctx
    with ctx.db.session() as s:
        for name, role, unit in (("admin", "admin", None), ("rev", "reviewer", None), ("lead", "unit_officer", LEAD),
                                 ("co", "unit_officer", CO), ("other", "unit_officer", OTHER),
                                 ("station1", "station", None)):
            add_user(s, username=name, password=PASSWORD, role=role, unit=unit, policy=ctx.policy, actor="test")
        c1 = add_case(s, "C1", [add_letter(s, "L1", signatories=12)])
        c2 = add_case(s, "C2", [add_letter(s, "L2", county="河西县", township="河西镇", category="substitute_teacher")])
        c3 = add_case(s, "C3", [add_letter(s, "L3", text=f"关于拖欠工资的联名信\n{EVIL}\n我们是柳河镇的农民工。"
                                              "\n1 王建国 11010519491231002X 13812345678",
                                           representative=("<b>王</b>", "13812345678"))])
        for case in (c1, c2, c3):
            assess(s, case, ctx.policy)
        l3 = s.get(Letter, "L3")
        l3.needs_review, l3.review_reasons = True, [f"low_category_confidence: {EVIL}"]
    yield application
    ctx.close()


def client_for(app, username: str | None = None, **kw) -> TestClient:
    client = TestClient(app, **kw)
    if username:
        login(client, username)
    return client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client: TestClient, username: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def token(client: TestClient) -> str:
    return client.get("/api/session").json()["csrf_token"]


def post_form(client: TestClient, page: str, action: str, data: dict, files=None):
    """Submit a form the way a browser does: with the token the page carries."""
    return client.post(action, data={**data, "csrf_token": csrf_of(client.get(page).text)}, files=files,
                       follow_redirects=False)


def read(app, fn):
    with app.state.ctx.db.session() as s:
        return fn(s)


# --- signing in and out ------------------------------------------------------------------------------------


def test_sign_in_wrong_password_and_sign_out_ends_the_session(app):
    client = client_for(app)
    first = client.get("/queue", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=%2Fqueue"

    wrong = login(client, "rev", "not the password")
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    unknown = login(client, "nobody")
    assert unknown.status_code == 401 and "用户名或密码错误" in unknown.text  # the same answer: no user names leak

    ok = login(client, "rev")
    assert ok.status_code == 303 and ok.headers["location"] == "/queue"
    cookie = ok.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    stolen = client.cookies[COOKIE_NAME]
    assert client.get("/queue").status_code == 200

    out = post_form(client, "/queue", "/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/login?done=signed_out"
    assert client.get("/queue", follow_redirects=False).status_code == 303
    # The cookie from before the sign-out is dead too, even though its signature is still good.
    replay = client_for(app)
    replay.cookies.set(COOKIE_NAME, stolen)
    assert replay.get("/queue", follow_redirects=False).status_code == 303
    assert replay.get("/api/cases").status_code == 401
    assert read(app, lambda s: s.scalar(select(AuditEntry.action).where(AuditEntry.entity_id == "rev")
                                        .order_by(AuditEntry.id.desc()).limit(1))) == "user.logout"
    # ...and signing in again works.
    assert login(client, "rev").status_code == 303 and client.get("/queue").status_code == 200


def test_inactive_user_cannot_sign_in_or_keep_a_session(app):
    client = client_for(app, "rev")

    def deactivate(s):
        s.scalar(select(User).where(User.username == "rev")).active = False

    read(app, deactivate)
    assert client.get("/queue", follow_redirects=False).status_code == 303
    assert login(client, "rev").status_code == 401


def test_secure_cookie_outside_localhost_by_default(web_settings):
    settings = web_settings.model_copy(update={"web_cookie_secure": None})
    application = create_app(settings)
    try:
        remote = TestClient(application, base_url="http://lianming.office.example")
        assert "secure" in remote.get("/login").headers["set-cookie"].lower()
        local = TestClient(application, base_url="http://localhost")
        assert "secure" not in local.get("/login").headers["set-cookie"].lower()
    finally:
        application.state.ctx.close()


def test_sign_in_redirects_only_within_the_site(app):
    client = client_for(app)
    tok = csrf_of(client.get("/login").text)
    evil = client.post("/login", data={"username": "rev", "password": PASSWORD, "csrf_token": tok,
                                       "next": "//evil.example/x"}, follow_redirects=False)
    assert evil.headers["location"] == "/queue"
    client = client_for(app)
    tok = csrf_of(client.get("/login?next=/cases/C1").text)
    back = client.post("/login", data={"username": "rev", "password": PASSWORD, "csrf_token": tok,
                                       "next": "/cases/C1"}, follow_redirects=False)
    assert back.headers["location"] == "/cases/C1"


# --- CSRF ----------------------------------------------------------------------------------------------------


def test_every_state_change_needs_the_session_csrf_token(app):
    anonymous = client_for(app)
    anonymous.get("/login")
    assert anonymous.post("/login", data={"username": "rev", "password": PASSWORD}).status_code == 403

    client = client_for(app, "rev")
    assert client.post("/letters/L1/confirm", follow_redirects=False).status_code == 403
    assert client.post("/letters/L1/confirm", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/api/letters/L1/confirm").status_code == 403
    assert client.post("/api/letters/L1/confirm", headers={"X-CSRF-Token": "forged"}).status_code == 403
    # Another session's token is no good either.
    other = client_for(app, "admin")
    assert client.post("/api/letters/L1/confirm", headers={"X-CSRF-Token": token(other)}).status_code == 403
    assert read(app, lambda s: s.scalar(select(AuditEntry).where(AuditEntry.action == "letter.confirmed"))) is None

    assert client.post("/api/letters/L1/confirm", headers={"X-CSRF-Token": token(client)}).status_code == 200
    done = post_form(client, "/letters/L1", "/letters/L1/confirm", {})
    assert done.status_code == 303 and done.headers["location"] == "/letters/L1?done=confirmed"


# --- who sees what -------------------------------------------------------------------------------------------


def test_unit_officer_sees_only_their_units_cases_and_gets_404_otherwise(app):
    lead = client_for(app, "lead")
    assert lead.get("/", follow_redirects=False).headers["location"] == "/my-cases"
    mine = lead.get("/my-cases")
    assert mine.status_code == 200 and 'id="my-case-C1"' in mine.text and "C2" not in mine.text
    page = lead.get("/cases/C1")
    assert page.status_code == 200 and 'id="step-ack"' in page.text and 'id="merge-case"' not in page.text
    assert lead.get("/letters/L1").status_code == 200

    missing = lead.get("/cases/C404")
    for path in ("/cases/C2", "/letters/L2", "/letters/L2/pages/1.png"):
        answer = lead.get(path)
        assert answer.status_code == 404, path
    assert lead.get("/cases/C2").text.replace("C2", "C404") == missing.text  # indistinguishable from no case
    for path in ("/api/cases/C2", "/api/letters/L2"):
        assert lead.get(path).status_code == 404, path
    assert [row["id"] for row in lead.get("/api/cases").json()] == sorted(
        r["id"] for r in lead.get("/api/cases").json())
    assert "C2" not in {row["id"] for row in lead.get("/api/cases").json()}
    assert lead.get("/queue").status_code == 403 and lead.get("/dashboard").status_code == 403
    assert lead.get("/api/queue").status_code == 403
    assert lead.post("/api/letters/L1/corrections", json={"field": "intent", "value": "beijing"},
                     headers={"X-CSRF-Token": token(lead)}).status_code == 403
    assert lead.post("/api/cases/C2/steps", json={"kind": "ack"},
                     headers={"X-CSRF-Token": token(lead)}).status_code == 404


def test_co_unit_views_but_cannot_act(app):
    co = client_for(app, "co")
    page = co.get("/cases/C1")
    assert page.status_code == 200 and 'id="co-unit-note"' in page.text and 'id="step-ack"' not in page.text
    assert post_form(co, "/cases/C1", "/cases/C1/steps/ack", {"on_date": "2026-05-12"}).status_code == 403
    assert co.post("/api/cases/C1/steps", json={"kind": "ack", "on_date": "2026-05-12"},
                   headers={"X-CSRF-Token": token(co)}).status_code == 403
    assert read(app, lambda s: s.get(Case, "C1").status) == "assigned"


def test_reviewers_see_everything_and_stations_only_hand_in(app):
    for name in ("rev", "admin"):
        client = client_for(app, name)
        for path in ("/queue", "/dashboard", "/cases/C1", "/cases/C2", "/letters/L2", "/api/cases/C2"):
            assert client.get(path).status_code == 200, (name, path)
        assert {"C1", "C2", "C3"} <= {row["id"] for row in client.get("/api/cases").json()}
        assert 'id="step-ack"' not in client.get("/cases/C1").text  # a unit's step is the unit's to record
    station = client_for(app, "station1")
    for path in ("/cases/C1", "/letters/L1", "/api/cases/C1", "/api/letters/L1", "/queue"):
        assert station.get(path).status_code == 403, path


# --- the reviewer's forms ------------------------------------------------------------------------------------


def test_category_correction_on_the_letter_page_reroutes_the_case(app):
    ctx = app.state.ctx
    rev = client_for(app, "rev")
    page = rev.get("/letters/L1")
    assert 'id="correct-category"' in page.text and 'id="fact-category" data-code="wage_arrears"' in page.text
    assert read(app, lambda s: s.get(Case, "C1").lead_unit) == LEAD

    answer = post_form(rev, "/letters/L1", "/letters/L1/corrections",
                       {"field": "category", "value": "environmental_pollution"})
    assert answer.status_code == 303 and answer.headers["location"] == "/letters/L1?done=corrected"
    expected = ctx.policy.unit_name("environment", "county", county="青山县")
    assert read(app, lambda s: (s.get(Letter, "L1").category, s.get(Case, "C1").lead_unit)) == (
        "environmental_pollution", expected)
    assert "已更正" in rev.get(answer.headers["location"]).text
    # The old lead unit no longer sees it; the new one does not exist as a user, but the case page says so.
    assert client_for(app, "lead").get("/cases/C1").status_code == 404
    assert expected in rev.get("/cases/C1").text


def test_place_form_moves_the_case_to_another_county(app):
    rev = client_for(app, "rev")
    answer = post_form(rev, "/letters/L1", "/letters/L1/place", {"county": "青山县", "township": "高桥镇",
                                                                 "village": ""})
    assert answer.status_code == 303
    letter, case = read(app, lambda s: (s.get(Letter, "L1"), s.get(Case, "C1")))
    assert (letter.county, letter.township) == ("河西县", "高桥镇")  # the township names its county
    assert case.lead_unit.startswith("河西县")
    # Both selects changed, and they disagree: refused, nothing changed.
    clash = post_form(rev, "/letters/L1", "/letters/L1/place", {"county": "东城区", "township": "柳河镇", "village": ""})
    assert clash.status_code == 422 and "柳河镇" in clash.text
    assert read(app, lambda s: s.get(Letter, "L1").township) == "高桥镇"
    bad = post_form(rev, "/letters/L1", "/letters/L1/corrections", {"field": "category", "value": "no_such"})
    assert bad.status_code == 409 and "no_such" in bad.text


def test_reviewer_merges_splits_and_reroutes_with_the_case_forms(app):
    rev = client_for(app, "rev")
    merged = post_form(rev, "/cases/C1", "/cases/C1/merge", {"other_case_id": "C3"})
    assert merged.status_code == 303
    assert read(app, lambda s: (s.get(Case, "C3").status, sorted(m.letter_id for m in s.get(Case, "C1").letters))) \
        == ("merged", ["L1", "L3"])
    split = post_form(rev, "/cases/C1", "/cases/C1/split", {"letter_ids": ["L3"]})
    assert split.status_code == 303
    new_id = split.headers["location"].split("/")[2].split("?")[0]
    assert read(app, lambda s: [m.letter_id for m in s.get(Case, new_id).letters]) == ["L3"]
    rerouted = post_form(rev, "/cases/C1", "/cases/C1/reroute",
                         {"level": "city", "lead_unit": "明州市人力资源和社会保障局", "co_units": f"{LEAD}，{CO}",
                          "reason": "涉及全市多个企业"})
    assert rerouted.status_code == 303
    case = read(app, lambda s: s.get(Case, "C1"))
    assert (case.lead_unit, case.co_units) == ("明州市人力资源和社会保障局", [LEAD, CO])
    # The former lead is now a co-unit: it still sees the case but no longer acts on it.
    assert 'id="step-ack"' not in client_for(app, "lead").get("/cases/C1").text


# --- the unit's steps ----------------------------------------------------------------------------------------


def test_lead_unit_acknowledges_results_and_replies_and_the_closure_check_counts_it(app):
    lead = client_for(app, "lead")
    pdf = (RESOURCES / "letters" / "text_layer.pdf").read_bytes()
    ack = post_form(lead, "/cases/C1", "/cases/C1/steps/ack", {"on_date": "2026-05-12", "text": "已电话告知代表"})
    assert ack.status_code == 303 and ack.headers["location"] == "/cases/C1?done=ack"
    refused = post_form(lead, "/cases/C1", "/cases/C1/steps/reply", {"on_date": "2026-05-13", "text": "答复"})
    assert refused.status_code == 409 and "acknowledged" in refused.text  # the lifecycle's own rule
    result = post_form(lead, "/cases/C1", "/cases/C1/steps/result", {"on_date": "2026-06-01", "text": "责令补发工资"},
                       files={"document": ("处理意见.pdf", pdf, "application/pdf")})
    assert result.status_code == 303
    reply = post_form(lead, "/cases/C1", "/cases/C1/steps/reply", {"on_date": "2026-06-03", "text": "已书面答复"},
                      files={"document": ("", b"", "application/octet-stream")})  # no file chosen
    assert reply.status_code == 303

    case, events = read(app, lambda s: (s.get(Case, "C1"), list(s.scalars(
        select(CaseEvent).where(CaseEvent.case_id == "C1").order_by(CaseEvent.id)))))
    assert (case.status, case.closed_on) == ("closed", date(2026, 6, 3))
    by_kind = {e.kind: e for e in events}
    assert by_kind["ack"].actor == "lead" and by_kind["ack"].unit == LEAD
    sha = by_kind["result"].document_sha256
    assert sha and app.state.ctx.store.read_bytes(sha) == pdf and by_kind["reply"].document_sha256 is None
    page = lead.get("/cases/C1")
    assert f'href="/cases/C1/documents/{sha}"' in page.text
    download = lead.get(f"/cases/C1/documents/{sha}")
    assert download.status_code == 200 and download.content == pdf
    assert lead.get(f"/cases/C2/documents/{sha}").status_code == 404
    assert client_for(app, "rev").get(f"/cases/C2/documents/{sha}").status_code == 404  # not this case's document

    report = read(app, lambda s: closure_check(s, today=date(2026, 7, 1), policy=app.state.ctx.policy))
    assert report.closed >= 1 and "C1" not in report.closed_without_result_and_reply
    assert "C1" not in {row["case_id"] for row in report.overdue}


def test_steps_through_the_api_extension_and_return(app):
    lead = client_for(app, "lead")
    headers = {"X-CSRF-Token": token(lead)}
    ext = lead.post("/api/cases/C1/steps", json={"kind": "extend", "on_date": "2026-05-20", "text": "需要鉴定",
                                                  "new_due": "2026-08-09"}, headers=headers)
    assert ext.status_code == 200 and ext.json()["extended_to"] == "2026-08-09"
    again = lead.post("/api/cases/C1/steps", json={"kind": "extend", "on_date": "2026-05-21", "text": "再延",
                                                    "new_due": "2026-08-20"}, headers=headers)
    assert again.status_code == 409
    back = post_form(lead, "/cases/C1", "/cases/C1/steps/return", {"text": "不属本单位职责"})
    assert back.status_code == 303 and back.headers["location"] == "/my-cases?done=return"
    assert read(app, lambda s: (s.get(Case, "C1").status, s.get(Case, "C1").lead_unit)) == (
        "triage", app.state.ctx.policy.triage_unit)
    assert lead.get("/cases/C1").status_code == 404


# --- uploads -------------------------------------------------------------------------------------------------


def test_station_uploads_through_intake(app):
    station = client_for(app)
    csrf = token(station)
    signed = station.post("/api/session", json={"username": "station1", "password": PASSWORD},
                          headers={"X-CSRF-Token": csrf})
    assert signed.status_code == 200 and signed.json()["role"] == "station"
    headers = {"X-CSRF-Token": signed.json()["csrf_token"]}
    good = (RESOURCES / "letters" / "text_layer.pdf").read_bytes()

    first = station.post("/api/letters", files={"file": ("scan 1.pdf", good, "application/pdf")}, headers=headers)
    assert first.status_code == 201 and first.json()["outcome"] == "registered"
    letter_id = first.json()["letter_id"]
    letter = read(app, lambda s: s.get(Letter, letter_id))
    assert letter.station == "station1" and letter.stage == "registered" and letter.source_file.endswith("scan_1.pdf")

    dup = station.post("/api/letters", files={"file": ("again.pdf", good, "application/pdf")}, headers=headers)
    assert dup.status_code == 200 and dup.json()["outcome"] == "duplicate" and dup.json()["letter_id"] == letter_id
    assert "already registered" in dup.json()["reason"]

    corrupt = (RESOURCES / "broken" / "corrupt.pdf").read_bytes()
    bad = station.post("/api/letters", files={"file": ("corrupt.pdf", corrupt, "application/pdf")}, headers=headers)
    assert bad.status_code == 200 and bad.json()["outcome"] == "quarantined"
    assert bad.json()["letter_id"] is None and bad.json()["reason_code"] and bad.json()["reason"]

    big = (RESOURCES / "letters" / "scan_small.png").read_bytes()  # 66 KB > the 0.06 MB limit
    assert station.post("/api/letters", files={"file": ("big.png", big, "image/png")},
                        headers=headers).status_code == 413
    huge = b"0" * (2 * 2**20)  # over any form or upload: refused before it is read
    assert station.post("/api/letters", files={"file": ("huge.pdf", huge, "application/pdf")},
                        headers=headers).status_code == 413
    # Without a Content-Length (chunked), the body is counted as it arrives and cut off.
    part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n'

    def body():
        yield part
        for _ in range(64):
            yield b"0" * 2**16

    chunked = station.post("/api/letters", content=body(),
                           headers={**headers, "Content-Type": "multipart/form-data; boundary=x"})
    assert chunked.status_code == 413
    assert station.post("/api/letters", files={"file": ("notes.txt", b"hello", "text/plain")},
                        headers=headers).status_code == 415
    assert station.post("/api/letters", files={"file": ("x.pdf", good, "application/pdf")}).status_code == 403

    # Nothing lost: the two good hand-ins are one letter, the bad one is in quarantine; refusals left no trace.
    report = read(app, lambda s: closure_check(s, today=date(2026, 11, 25), policy=app.state.ctx.policy))
    assert report.files_received == report.letters + report.quarantined

    # The reviewer sees the new letter's page; a unit officer does not (it is in no case yet).
    rev = client_for(app, "rev")
    png = rev.get(f"/letters/{letter_id}/pages/1.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert rev.get(f"/letters/{letter_id}/pages/99.png").status_code == 404
    assert client_for(app, "lead").get(f"/letters/{letter_id}/pages/1.png").status_code == 404
    assert 'id="page-image-1"' in rev.get(f"/letters/{letter_id}").text
    # A reviewer may hand in a letter too, naming the station it came from.
    tiff = (RESOURCES / "letters" / "scan_two_pages.tiff").read_bytes()
    by_hand = rev.post("/api/letters", files={"file": ("post.tiff", tiff, "image/tiff")}, data={"station": "窗口"},
                       headers={"X-CSRF-Token": token(rev)})
    assert by_hand.status_code == 201
    assert read(app, lambda s: s.get(Letter, by_hand.json()["letter_id"]).station) == "窗口"
    assert rev.get(f"/letters/{by_hand.json()['letter_id']}/pages/2.png").content.startswith(b"\x89PNG")
    assert station.get(f"/letters/{letter_id}/pages/1.png").status_code == 403


def test_unit_officers_cannot_upload(app):
    lead = client_for(app, "lead")
    good = (RESOURCES / "letters" / "text_layer.pdf").read_bytes()
    assert lead.post("/api/letters", files={"file": ("a.pdf", good, "application/pdf")},
                     headers={"X-CSRF-Token": token(lead)}).status_code == 403


# --- untrusted text --------------------------------------------------------------------------------------------


def test_letter_text_is_shown_as_text_everywhere(app):
    rev = client_for(app, "rev")
    for path in ("/letters/L3", "/queue"):
        html = rev.get(path).text
        assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    assert "<b>王</b>" not in rev.get("/letters/L3").text
    text = rev.get("/api/letters/L3").json()["text"]
    assert EVIL in text  # JSON carries the text as it is, except ID numbers (policy §6)
    assert "11010519491231002X" not in text and "110***********002X" in text and "13812345678" in text
    assert "11010519491231002X" not in rev.get("/letters/L3").text
    assert "script-src 'self'" in rev.get("/letters/L3").headers["content-security-policy"]


# --- dashboard, docs ------------------------------------------------------------------------------------------


def test_dashboard_draws_inline_svg_charts(app):
    html = client_for(app, "rev").get("/dashboard").text
    for chart in ("chart-by-category", "chart-by-place", "chart-by-week", "chart-risk", "chart-closure-by-unit"):
        assert f'id="{chart}"' in html
    assert html.count("<svg") >= 5 and "拖欠工资" in html and "<script src=\"http" not in html


def test_api_docs_work_offline(app):
    anonymous = client_for(app)
    assert anonymous.get("/openapi.json").status_code == 401
    client = client_for(app, "rev")
    spec = client.get("/openapi.json").json()
    assert "/api/letters" in spec["paths"] and "/api/cases/{case_id}/steps" in spec["paths"]
    assert not any(p.startswith(("/queue", "/letters", "/cases")) for p in spec["paths"])  # pages stay out
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert not re.search(r"(src|href)=['\"]https?://", docs.text)  # nothing from a CDN
    for asset in re.findall(r"(?:src|href)=['\"](/static/docs/[^'\"]+)", docs.text):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/redoc").status_code == 200


# --- `lianming user add` --------------------------------------------------------------------------------------


def test_user_add_command(tmp_path):
    from pipeline.cli.main import app as cli

    runner = CliRunner()
    home = str(tmp_path / "home")
    ok = runner.invoke(cli, ["user", "add", "liu", "--role", "unit_officer", "--unit", LEAD, "--password-stdin",
                             "--home", home], input="s3cret-pass\n")
    assert ok.exit_code == 0, ok.output
    refused = runner.invoke(cli, ["user", "add", "ma", "--role", "unit_officer", "--unit", "火星县公安局",
                                  "--password-stdin", "--home", home], input="s3cret-pass\n")
    assert refused.exit_code == 2 and "火星县公安局" in refused.output
    twice = runner.invoke(cli, ["user", "add", "liu", "--role", "reviewer", "--password-stdin", "--home", home],
                          input="s3cret-pass\n")
    assert twice.exit_code == 2 and "already exists" in twice.output
    prompted = runner.invoke(cli, ["user", "add", "zhao", "--role", "reviewer", "--home", home],
                             input="another-pass\nanother-pass\n")
    assert prompted.exit_code == 0, prompted.output

    from pipeline.context import PipelineContext
    from pipeline.settings import load_settings

    ctx = PipelineContext.open(load_settings(home=tmp_path / "home"))
    try:
        with ctx.db.session() as s:
            users = {u.username: u for u in s.scalars(select(User))}
    finally:
        ctx.close()
    assert set(users) == {"liu", "zhao"} and (users["liu"].role, users["liu"].unit) == ("unit_officer", LEAD)
    assert users["liu"].password_hash.startswith("$argon2") and verify_password(users["liu"].password_hash,
                                                                                "s3cret-pass")


def test_known_units_cover_every_routed_unit(app):
    units = set(known_units(app.state.ctx.policy))
    assert {LEAD, CO, OTHER, "明州市信访局", "东湖街道办事处"} <= units
    routed = read(app, lambda s: {c.lead_unit for c in s.scalars(select(Case))} |
                  {u for c in s.scalars(select(Case)) for u in c.co_units or []})
    assert routed <= units


def test_a_short_signing_key_is_refused_and_a_new_one_is_complete(tmp_path):
    from pipeline.errors import ConfigError
    from pipeline.web.auth import MIN_SECRET_BYTES, load_or_create_secret

    empty = tmp_path / "empty_key"
    empty.write_bytes(b"")
    with pytest.raises(ConfigError, match="shorter than"):
        load_or_create_secret(empty)  # signing with b"" would let anyone forge a session
    fresh = tmp_path / "sub" / "key"
    key = load_or_create_secret(fresh)
    assert len(key) >= MIN_SECRET_BYTES and load_or_create_secret(fresh) == key
    assert fresh.stat().st_mode & 0o077 == 0 and not list(fresh.parent.glob(".*.tmp"))


def test_page_rendering_is_bounded_and_a_missing_original_is_not_found(tmp_path):
    from PIL import Image
    from reportlab.pdfgen.canvas import Canvas

    from pipeline.web.errors import NotFound
    from pipeline.web.files import MAX_PAGE_HEIGHT_PX, render_page_png

    with pytest.raises(NotFound):
        render_page_png(tmp_path / "gone.pdf", "application/pdf", 1)
    strip = tmp_path / "strip.pdf"
    canvas = Canvas(str(strip), pagesize=(30, 14400))  # a freak shape: 0.4 in wide, 200 in tall
    canvas.drawString(2, 7000, "x")
    canvas.save()
    with Image.open(io.BytesIO(render_page_png(strip, "application/pdf", 1))) as png:
        assert png.height <= MAX_PAGE_HEIGHT_PX + 1


def test_repeated_failed_sign_ins_are_throttled(app):
    client = client_for(app)
    for _ in range(5):
        assert login(client, "rev", "wrong password").status_code == 401
    # The right password now waits too: guessing stops being cheap.
    assert login(client, "rev").status_code == 429
    other = TestClient(app, base_url="http://localhost", client=("10.0.0.9", 5000))
    assert login(other, "lead").status_code in (200, 303)  # another user from another address is not affected


def test_password_change_and_deactivation_end_sessions(app):
    from pipeline.web.accounts import deactivate_user, set_password

    client = client_for(app, "rev")
    assert client.get("/queue").status_code == 200
    with app.state.ctx.db.session() as s:
        set_password(s, username="rev", password="a-brand-new-pass", actor="admin")
    assert client.get("/queue", follow_redirects=False).status_code in (303, 401)  # the old session ended
    assert login(client_for(app), "rev", "a-brand-new-pass").status_code == 303
    with app.state.ctx.db.session() as s:
        deactivate_user(s, username="rev", actor="admin")
    assert login(client_for(app), "rev", "a-brand-new-pass").status_code == 401


def test_user_passwd_and_deactivate_commands(tmp_path):
    from pipeline.cli.main import app as cli

    runner = CliRunner()
    home = str(tmp_path / "home")
    assert runner.invoke(cli, ["user", "add", "wu", "--role", "reviewer", "--password-stdin", "--home", home],
                         input="first-pass-1\n").exit_code == 0
    changed = runner.invoke(cli, ["user", "passwd", "wu", "--password-stdin", "--home", home], input="second-pass-2\n")
    assert changed.exit_code == 0 and "sessions have ended" in changed.output
    short = runner.invoke(cli, ["user", "passwd", "wu", "--password-stdin", "--home", home], input="x\n")
    assert short.exit_code == 2
    gone = runner.invoke(cli, ["user", "deactivate", "nobody", "--home", home])
    assert gone.exit_code == 2 and "no user" in gone.output
    assert runner.invoke(cli, ["user", "deactivate", "wu", "--home", home]).exit_code == 0
