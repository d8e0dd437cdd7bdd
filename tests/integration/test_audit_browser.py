#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The Audit page (docs/privacy.md) in a real browser: Debian's chromium
# driven by chromedriver through python3-selenium, against the real
# blippa-server over HTTPS with a CA made at test time (trusted through an
# NSS database in a private HOME; verification stays on). The server's clock
# is pinned inside the fixture period. A failed login, then an admin views a
# group and a participant; the Audit page lists exactly those actions, its
# action filter narrows the table, the CSV download holds the rows, and a
# coordinator gets 403. With SHOTS_DIR given, saves the Audit page at
# 1366x768 and 390x844 there.
# Usage: test_audit_browser.py BLIPPA_SERVER MAKE_TEST_CA ROSTER_DIR [SHOTS_DIR]
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

PW = "correct horse battery"
PINNED_NOW_MS = 1796904000000  # 2026-12-10 12:00 UTC, after S1..S5
DEADLINE = 30


def run(args, stdin=None):
    p = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        sys.exit(f"{' '.join(args[:2])} failed: {p.stderr}")
    return p.stdout


def wait_for(pred, what):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    sys.exit(f"timed out waiting for {what}")


def main():
    server_bin, make_ca, roster = sys.argv[1:4]
    shots = sys.argv[4] if len(sys.argv) > 4 else None
    tmp = tempfile.mkdtemp(prefix="blippa-audit-")
    srv = drv = None
    try:
        pki = os.path.join(tmp, "pki")
        run(["sh", make_ca, pki])
        ca = os.path.join(pki, "ca.pem")
        db = os.path.join(tmp, "region.db")
        run([server_bin, "init", "--db", db])
        run([server_bin, "import", "--db", db, roster])
        run([server_bin, "add-user", "--db", db, "--user", "region.admin", "--role", "admin"],
            PW + "\n")
        run([server_bin, "add-user", "--db", db, "--user", "anna", "--role", "coordinator",
             "--facility", "F1"], PW + "\n")
        run([server_bin, "add-kiosk", "--db", db, "--facility", "F1", "--name", "Entré"])
        env = dict(os.environ)
        env["BLIPPA_CLOCK_OFFSET_MS"] = str(PINNED_NOW_MS - int(time.time() * 1000))
        srv = subprocess.Popen([server_bin, "serve", "--db", db, "--listen", "127.0.0.1:0",
                                "--cert", os.path.join(pki, "server.pem"), "--key",
                                os.path.join(pki, "server-key.pem")],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=env)
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)", srv.stdout.readline())
        if not m:
            sys.exit("server did not start")
        base = f"https://localhost:{m.group(1)}"

        home = os.path.join(tmp, "home")
        nss = os.path.join(home, ".pki", "nssdb")
        os.makedirs(nss)
        run(["certutil", "-N", "-d", "sql:" + nss, "--empty-password"])
        run(["certutil", "-A", "-d", "sql:" + nss, "-n", "blippa-test-ca", "-t", "C,,", "-i", ca])
        downloads = os.path.join(tmp, "downloads")
        os.makedirs(downloads)
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage", "--window-size=1366,768",
                  "--user-data-dir=" + os.path.join(tmp, "profile")]:
            opts.add_argument(a)
        opts.add_experimental_option("prefs", {"download.default_directory": downloads,
                                               "download.prompt_for_download": False})
        cenv = dict(os.environ)
        cenv["HOME"] = home
        drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver", env=cenv), options=opts)
        drv.execute_cdp_cmd("Page.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": downloads})
        drv.set_page_load_timeout(DEADLINE)

        def login(user, pw):
            drv.get(base + "/login")
            drv.find_element(By.NAME, "username").send_keys(user)
            drv.find_element(By.NAME, "password").send_keys(pw)
            drv.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()

        def logout():
            drv.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
            wait_for(lambda: drv.current_url.endswith("/login"), "the login page")

        def rows():
            return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                    for tr in drv.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")]

        # a coordinator: no Audit link, 403 on the page
        login("anna", PW)
        wait_for(lambda: drv.current_url == base + "/", "anna's overview")
        assert drv.find_elements(By.LINK_TEXT, "Granskning") == []
        drv.get(base + "/audit")
        assert "behörighet" in drv.page_source
        logout()
        # the admin: a typo first, then a group and a participant
        login("region.admin", "not the password")
        wait_for(lambda: "Fel användarnamn" in drv.page_source, "the failed login")
        login("region.admin", PW)
        wait_for(lambda: drv.current_url == base + "/", "the overview")
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
        shot_dir = shots
        if shot_dir:
            os.makedirs(shot_dir, exist_ok=True)
            for w, h in ((1366, 768), (390, 844)):
                drv.set_window_size(w, h)
                drv.save_screenshot(os.path.join(shot_dir, f"backoffice-audit-{w}.png"))
            drv.set_window_size(1366, 768)
        # the action filter
        Select(drv.find_element(By.NAME, "action")).select_by_value("view_participant")
        drv.find_element(By.CSS_SELECTOR, "form.audit-filter button:not([formaction])").click()
        wait_for(lambda: "action=view_participant" in drv.current_url, "the filtered page")
        assert [r[2] for r in rows()] == ["visade deltagare"], rows()
        # the CSV of the same filter, and its own row
        drv.find_element(By.CSS_SELECTOR, "form.audit-filter button[formaction='/audit.csv']").click()
        path = os.path.join(downloads, "blippa-audit.csv")
        wait_for(lambda: os.path.exists(path) and os.path.getsize(path) > 0, "the CSV download")
        recs = list(csv.DictReader(io.open(path, encoding="utf-8", newline="")))
        assert [r["action"] for r in recs] == ["view_participant"], recs
        assert recs[0]["participant_id"] == "P1" and recs[0]["actor"] == "region.admin"
        drv.get(base + "/audit?action=export_audit")
        assert [r[2] for r in rows()] == ["laddade ner granskningsloggen"], rows()
        drv.get(base + "/audit?action=view_audit")
        assert len(rows()) == 4, rows()  # three views before this one, and this one
        print("test_audit_browser: ok")
    finally:
        if drv:
            drv.quit()
        if srv:
            srv.terminate()
            srv.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
