#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The back-office in a real browser (docs/backoffice.md), with the set-up of
# webdriver_util.py (real server over HTTPS, test CA, chromium, pinned
# clock). Logs in, sees a group, makes a correction, downloads the CSV and
# the .xlsx and checks their contents, checks that hostile names render as
# text, logs out; then as an admin the Kiosks and Leaders pages, a roster
# upload with three errors (all shown, nothing changed) and a good one with
# its dry-run diff, confirmed. With SHOTS_DIR given, saves screenshots of each page at 1366x768 and
# 390x844 there.
# Usage: test_web_browser.py BLIPPA_SERVER MAKE_TEST_CA ROSTER_DIR [SHOTS_DIR]
import csv
import io
import json
import os
import ssl
import sys
import urllib.request
import zipfile

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from webdriver_util import PINNED_NOW_MS, Backoffice, copy_roster, downloaded, wait_for


def main():
    server_bin, make_ca, roster = sys.argv[1:4]
    shots = sys.argv[4] if len(sys.argv) > 4 else None
    with Backoffice(server_bin, make_ca, "blippa-web-") as bo:
        tmp, ca = bo.tmp, bo.ca
        # hostile names in the roster
        rdir = copy_roster(roster, os.path.join(tmp, "roster"), {
            "participants.csv": 'P7,<script>alert(1)</script>,"""><img src=x onerror=alert(1)>",\n',
            "members.csv": "G1,P7\n"})
        bo.init_db(rdir)
        bo.add_user("anna", "coordinator", "F1")
        bo.add_user("root", "admin")
        hall = bo.cli("add-kiosk", "--facility", "F2", "--name", "Hall B").strip()
        token = bo.cli("add-kiosk", "--facility", "F1", "--name", "Entré").strip()
        base = bo.serve()
        # check-ins from the kiosk: P1 by card and P3 by name at S1, P2 by a leader at S2
        ev = lambda n, pid, sid, meth: {
            "id": f"0192f5c4-0000-7000-8000-0000000c00{n}", "type": "checkin",
            "at": 1795424040000, "method": meth, "participant_id": pid, "session_id": sid}
        # and a leader at the kiosk checked P1 in at S2 by hand, then undid it
        undo = {"id": "0192f5c4-0000-7000-8000-0000000c0005", "type": "void",
                "at": 1795424100000, "voids": "0192f5c4-0000-7000-8000-0000000c0004"}
        body = json.dumps({"events": [ev("01", "P1", "S1", "card"), ev("02", "P3", "S1", "name"),
                                      ev("03", "P2", "S2", "leader"), ev("04", "P1", "S2", "leader"),
                                      undo]}).encode()
        req = urllib.request.Request(base + "/v1/events", data=body, method="POST", headers={
            "Authorization": "Bearer " + token, "Content-Type": "application/json",
            "Blippa-Protocol": "1"})
        with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca)) as r:
            assert b"rejected" not in r.read()
        # heartbeats: Entré is fine, Hall B's reader is gone (needs attention)
        for tok, reader in ((token, "ready"), (hall, "absent")):
            hb = json.dumps({"version": "0.9.1", "pending": 0, "oldest_pending_age_s": 0,
                             "reader": reader, "last_error": "", "time": PINNED_NOW_MS}).encode()
            req = urllib.request.Request(base + "/v1/heartbeat", data=hb, method="POST", headers={
                "Authorization": "Bearer " + tok, "Content-Type": "application/json",
                "Blippa-Protocol": "1"})
            urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca)).read()

        drv = bo.browser()
        downloads = bo.downloads

        def shot(name):
            bo.shot(shots, name)

        # no session: the login page
        drv.get(base + "/")
        assert drv.current_url.endswith("/login"), drv.current_url
        shot("login")
        bo.login("anna")
        assert "IK Hälsa" in drv.page_source
        assert "Friskis" not in drv.page_source  # F2 is not anna's
        shot("overview")
        # groups of ended periods are one link away, the running ones are not there
        drv.find_element(By.LINK_TEXT, "Avslutade").click()
        wait_for(lambda: drv.current_url.endswith("/?period=past"), "the past periods")
        assert "Styrka A" not in drv.find_element(By.TAG_NAME, "main").text
        drv.find_element(By.LINK_TEXT, "Pågående").click()
        wait_for(lambda: drv.current_url == base + "/", "the overview again")
        drv.find_element(By.LINK_TEXT, "Styrka A").click()
        wait_for(lambda: drv.current_url.endswith("/groups/G1"), "the group page")
        src = drv.page_source
        # hostile names are text: no element was made from them, no alert
        assert drv.find_elements(By.CSS_SELECTOR, "main img") == []
        assert drv.find_elements(By.CSS_SELECTOR, "main script") == []
        assert "<script>alert(1)</script>" in drv.find_element(By.TAG_NAME, "main").text
        assert "1 av 3" in src
        # correction: P2 came to S1 without the card
        correct(drv, "P2", "S1", "present", "Glömt kortet")
        assert "2 av 3" in drv.page_source
        # and P3 was checked in at S1 by mistake: a mark of its own (×)
        assert drv.find_elements(By.CSS_SELECTOR, "table.grid td.m-void") == []
        correct(drv, "P3", "S1", "absent", "Fel person")
        marks = drv.find_elements(By.CSS_SELECTOR, "table.grid td.m-void")
        assert len(marks) == 1 and marks[0].text == "\u00d7", marks
        kiosk_leader_marks(drv)
        assert "\u00d7 = ej närvarande (rättad)" in drv.find_element(By.CSS_SELECTOR,
                                                                     "p.legend").text
        shot("group")
        drv.find_element(By.PARTIAL_LINK_TEXT, "Ärlig").click()
        wait_for(lambda: "/participants/P2" in drv.current_url, "the participant page")
        assert "2 av 3" in drv.page_source
        shot("participant")
        drv.back()
        wait_for(lambda: drv.current_url.endswith("/groups/G1"), "the group page again")
        # downloads: CSV and xlsx from the group's export form
        drv.find_element(By.CSS_SELECTOR, "form.export button[type=submit]:not([formaction])").click()
        path = wait_for(lambda: downloaded(downloads, "blippa-export.csv"), "the CSV download")
        rows = list(csv.DictReader(io.open(path, encoding="utf-8", newline="")))
        assert rows and all(r["group_id"] == "G1" for r in rows), rows[:2]
        fixed = [r for r in rows if r["participant_id"] == "P2" and r["session_id"] == "S1"]
        assert fixed and fixed[0]["status"] == "present" and fixed[0]["kiosk"] == "staff:anna", fixed
        by_leader = [r for r in rows if r["participant_id"] == "P2" and r["session_id"] == "S2"]
        assert by_leader and by_leader[0]["method"] == "leader", by_leader
        assert by_leader[0]["kiosk"].startswith("k-"), by_leader  # the kiosk's id, no account
        undone = [r for r in rows if r["participant_id"] == "P1" and r["session_id"] == "S2"]
        assert undone and undone[0]["status"] == "absent", undone
        drv.find_element(By.CSS_SELECTOR, "form.export button[formaction='/export.xlsx']").click()
        xp = wait_for(lambda: downloaded(downloads, "blippa-export.xlsx"), "the xlsx download")
        assert zipfile.is_zipfile(xp), xp
        with zipfile.ZipFile(xp) as z:
            sheets = "".join(z.read(n).decode() for n in z.namelist()
                             if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml")
            book = z.read("xl/workbook.xml").decode()
        assert "Närvaro" in book and "Sammanfattning" in book
        assert "staff:anna" in sheets and "sessions_held" in sheets
        # log out: back to the login page, and the session is gone
        bo.logout()
        drv.get(base + "/groups/G1")
        assert drv.current_url.endswith("/login")
        region_operations(bo, rdir, shot)
        print("test_web_browser: ok")


def kiosk_leader_marks(drv):
    """A check-in by a leader at the kiosk (method leader, the kiosk's own
    event) is "L" titled "ledare", without the "*" of a staff correction; a
    leader's undo at the kiosk leaves "–" (absent), not the "×" of a staff
    "not present"; neither is in the corrections list (docs/backoffice.md)."""
    def cells(name):
        row = drv.find_element(By.XPATH, "//table[contains(@class,'grid')]/tbody/tr"
                                         f"[th/a[contains(., '{name}')]]")
        return [(td.get_attribute("class"), td.text, td.get_attribute("title"))
                for td in row.find_elements(By.TAG_NAME, "td")][:-1]  # not "N av M"
    # G1's sessions by start: S5, S1, S2
    p2 = cells("Ärlig")
    assert p2[1] == ("m-leader m-staff", "L*", "rättad"), p2  # anna's correction
    assert p2[2] == ("m-leader", "L", "ledare"), p2  # the kiosk leader's check-in
    p1 = cells("Östberg")
    assert p1[1] == ("m-card", "K", "kort") and p1[2] == ("m-absent", "–", "frånvarande"), p1
    listed = [li.text for li in drv.find_elements(By.CSS_SELECTOR, "ul.corrections li")]
    assert len(listed) == 2 and all("anna" in t for t in listed), listed  # anna's two only


def correct(drv, pid, sid, status, reason):
    """Sends the group page's correction form; waits for the reason to show."""
    Select(drv.find_element(By.NAME, "participant")).select_by_value(pid)
    Select(drv.find_element(By.NAME, "session")).select_by_value(sid)
    Select(drv.find_element(By.NAME, "status")).select_by_value(status)
    drv.find_element(By.NAME, "reason").send_keys(reason)
    drv.find_element(By.CSS_SELECTOR, "form.correct button").click()
    wait_for(lambda: reason in drv.page_source, f"the correction {reason!r} in the group view")


def region_operations(bo, rdir, shot):
    """Issue 16 as an admin: the Kiosks page, leaders, a roster upload with
    errors, then one with its dry-run diff, confirmed."""
    drv, tmp = bo.drv, bo.tmp
    bo.login("root")
    drv.find_element(By.LINK_TEXT, "Kiosker").click()
    wait_for(lambda: drv.current_url.endswith("/kiosks"), "the Kiosks page")
    assert "1 behöver åtgärd" in drv.find_element(By.ID, "attention-count").text
    assert drv.find_elements(By.CSS_SELECTOR, "tr.attention li[data-reason=reader]")
    shot("kiosks")
    drv.find_element(By.LINK_TEXT, "Ledare").click()
    wait_for(lambda: drv.current_url.endswith("/leaders"), "the Leaders page")
    shot("leaders")
    up = copy_roster(rdir, os.path.join(tmp, "upload"), {"participants.csv": "P8,Ny,Deltagare,\n",
                                                          "members.csv": "G1,P8\n"})
    drv.find_element(By.LINK_TEXT, "Importera").click()
    wait_for(lambda: drv.current_url.endswith("/import"), "the Import page")
    shot("import")
    names = ["facilities", "groups", "sessions", "participants", "members", "leaders"]
    bad_upload(bo, up, names, shot)
    drv.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(
        "\n".join(os.path.join(up, n + ".csv") for n in names))
    drv.find_element(By.CSS_SELECTOR, "form[action='/import'] button").click()
    wait_for(lambda: drv.find_elements(By.ID, "diff"), "the dry-run diff")
    diff = drv.find_element(By.ID, "diff").text
    assert "+1 deltagare" in diff and "+1 medlemskap" in diff, diff
    # the bad upload changed nothing: its good new participant P9 is not there
    assert "borttagen" not in diff and "ändrad" not in diff, diff
    shot("import-diff")
    drv.find_element(By.ID, "apply").click()
    wait_for(lambda: drv.find_elements(By.ID, "applied"), "the import applied")


def bad_upload(bo, up, names, shot):
    """A roster with three errors on different lines of three files (a bad
    date, a bad card, an unknown group) and one good new participant: the
    page lists all three with file, line and column in plain Swedish (and
    English), and nothing is imported; 55 errors list 50 and count 5."""
    drv = bo.drv
    bad = copy_roster(up, os.path.join(bo.tmp, "bad"), {"participants.csv": "P9,Ny,Igen,\n",
                                                         "members.csv": "G1,P9\nG9,P1\n"})
    edit = {"groups.csv": ("G2,F1,Balans och rörelse,2026-08-24,", "G2,F1,Balans och rörelse,"
                           "2026-13-01,"),
            "participants.csv": ("P4,Märta,\"O\"\"Brien\",", "P4,Märta,\"O\"\"Brien\",XYZ")}
    for fn, (a, b) in edit.items():
        path = os.path.join(bad, fn)
        text = open(path, encoding="utf-8").read()
        assert a in text, (fn, a)
        open(path, "w", encoding="utf-8").write(text.replace(a, b, 1))

    def upload(files):
        drv.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(
            "\n".join(os.path.join(files, n + ".csv") for n in names))
        drv.find_element(By.CSS_SELECTOR, "form[action='/import'] button").click()
        wait_for(lambda: drv.find_elements(By.ID, "import-errors"), "the error list")
        return [(r.get_attribute("data-file"), r.get_attribute("data-line"),
                 r.get_attribute("data-column"), r.find_element(By.CSS_SELECTOR, "td.why").text)
                for r in drv.find_elements(By.CSS_SELECTOR, "#import-errors tbody tr")]

    rows = upload(bad)
    members = sum(1 for _ in open(os.path.join(bad, "members.csv"), encoding="utf-8"))
    assert [r[:3] for r in rows] == [
        ("groups.csv", "3", "period_start"), ("participants.csv", "5", "card_uid"),
        ("members.csv", str(members), "group_id")], rows
    assert "ÅÅÅÅ-MM-DD" in rows[0][3] and "kortnummer" in rows[1][3], rows
    assert rows[2][3] == "G9 finns inte i groups.csv.", rows
    box = drv.find_element(By.ID, "import-error").text
    assert box.startswith("3 fel i filerna.") and "Inget har ändrats." in box, box
    assert not drv.find_elements(By.ID, "apply")
    shot("import-errors")
    # 55 errors: the first 50 listed, the rest counted
    many = copy_roster(up, os.path.join(bo.tmp, "many"), {"members.csv": "G9,P1\n" * 55})
    rows = upload(many)
    assert len(rows) == 50, len(rows)
    more = drv.find_element(By.ID, "import-more").text
    assert more == "… och 5 fel till som inte visas. Rätta de här först.", more
    # the same in English
    drv.get(bo.base + "/import?lang=en")
    rows = upload(bad)
    assert len(rows) == 3 and rows[2][3] == "G9 is not in groups.csv.", rows
    assert "Not a valid date" in rows[0][3], rows
    assert drv.find_element(By.ID, "import-error").text.startswith("3 errors in the files.")
    drv.get(bo.base + "/import?lang=sv")


if __name__ == "__main__":
    main()
