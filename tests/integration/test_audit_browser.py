#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The Audit page (docs/privacy.md) in a real browser, with the set-up of
# webdriver_util.py (real server over HTTPS, test CA, chromium). A failed
# login, then an admin views a group and a participant; the Audit page lists
# exactly those actions, its action filter narrows the table, the CSV
# download holds the rows, and a coordinator gets 403. With SHOTS_DIR given, saves the Audit page at
# 1366x768 and 390x844 there.
# Usage: test_audit_browser.py BLIPPA_SERVER MAKE_TEST_CA ROSTER_DIR [SHOTS_DIR]
import csv
import io
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from webdriver_util import PW, Backoffice, downloaded, wait_for


def main():
    server_bin, make_ca, roster = sys.argv[1:4]
    shots = sys.argv[4] if len(sys.argv) > 4 else None
    with Backoffice(server_bin, make_ca, "blippa-audit-") as bo:
        bo.init_db(roster)
        bo.add_user("region.admin", "admin")
        bo.add_user("anna", "coordinator", "F1")
        bo.cli("add-kiosk", "--facility", "F1", "--name", "Entré")
        base = bo.serve()
        drv = bo.browser()
        downloads = bo.downloads

        def rows():
            return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                    for tr in drv.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")]

        # a coordinator: no Audit link, 403 on the page
        bo.login("anna")
        assert drv.find_elements(By.LINK_TEXT, "Granskning") == []
        drv.get(base + "/audit")
        assert "behörighet" in drv.page_source
        bo.logout()
        # the admin: a typo first, then a group and a participant
        bo.login("region.admin", "not the password", wait=False)
        wait_for(lambda: "Fel användarnamn" in drv.page_source, "the failed login")
        bo.login("region.admin", PW)
        drv.find_element(By.LINK_TEXT, "Styrka A").click()
        wait_for(lambda: drv.current_url.endswith("/groups/G1"), "the group page")
        drv.find_element(By.PARTIAL_LINK_TEXT, "Östberg").click()
        wait_for(lambda: "/participants/P1" in drv.current_url, "the participant page")
        drv.find_element(By.LINK_TEXT, "Granskning").click()
        wait_for(lambda: drv.current_url.endswith("/audit"), "the audit page")
        got = rows()
        actions = [r[2] for r in got]
        for a in ["visade deltagare", "visade grupp", "inloggning", "misslyckad inloggning"]:
            assert actions.count(a) == (2 if a == "inloggning" else 1), (a, actions)
        assert "konto skapat" in actions and "import av deltagarlista" in actions
        view = [r for r in got if r[2] == "visade deltagare"][0]
        assert view[1] == "region.admin" and view[4] == "G1" and view[6] == "P1", view
        assert "not the password" not in drv.page_source
        bo.shot(shots, "audit")
        # the action filter
        Select(drv.find_element(By.NAME, "action")).select_by_value("view_participant")
        drv.find_element(By.CSS_SELECTOR, "form.audit-filter button:not([formaction])").click()
        wait_for(lambda: "action=view_participant" in drv.current_url, "the filtered page")
        assert [r[2] for r in rows()] == ["visade deltagare"], rows()
        # the CSV of the same filter, and its own row
        drv.find_element(By.CSS_SELECTOR, "form.audit-filter button[formaction='/audit.csv']").click()
        path = wait_for(lambda: downloaded(downloads, "blippa-audit.csv"), "the CSV download")
        recs = list(csv.DictReader(io.open(path, encoding="utf-8", newline="")))
        assert [r["action"] for r in recs] == ["view_participant"], recs
        assert recs[0]["participant_id"] == "P1" and recs[0]["actor"] == "region.admin"
        drv.get(base + "/audit?action=export_audit")
        assert [r[2] for r in rows()] == ["laddade ner granskningsloggen"], rows()
        drv.get(base + "/audit?action=view_audit")
        assert len(rows()) == 4, rows()  # three views before this one, and this one
        print("test_audit_browser: ok")


if __name__ == "__main__":
    main()
