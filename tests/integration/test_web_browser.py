#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The back-office in a real browser (docs/backoffice.md): Debian's chromium
# driven by chromedriver through python3-selenium, against the real
# blippa-server over HTTPS with a CA made at test time. Chromium trusts that
# CA through an NSS database in a private HOME (certutil); TLS verification
# stays on. The server's clock is pinned inside the fixture roster's period.
# Logs in, sees a group, makes a correction, downloads the CSV and the .xlsx
# and checks their contents, checks that hostile names render as text, logs
# out. With SHOTS_DIR given, saves screenshots of each page at 1366x768 and
# 390x844 there.
# Usage: test_web_browser.py BLIPPA_SERVER MAKE_TEST_CA ROSTER_DIR [SHOTS_DIR]
import csv
import io
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

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
    tmp = tempfile.mkdtemp(prefix="blippa-web-")
    srv = drv = None
    try:
        pki = os.path.join(tmp, "pki")
        run(["sh", make_ca, pki])
        ca = os.path.join(pki, "ca.pem")
        # hostile names in the roster
        rdir = os.path.join(tmp, "roster")
        shutil.copytree(roster, rdir)
        with open(os.path.join(rdir, "participants.csv"), "a", encoding="utf-8") as f:
            f.write('P7,<script>alert(1)</script>,"""><img src=x onerror=alert(1)>",\n')
        with open(os.path.join(rdir, "members.csv"), "a", encoding="utf-8") as f:
            f.write("G1,P7\n")
        db = os.path.join(tmp, "region.db")
        run([server_bin, "init", "--db", db])
        run([server_bin, "import", "--db", db, rdir])
        run([server_bin, "add-user", "--db", db, "--user", "anna", "--role", "coordinator",
             "--facility", "F1"], PW + "\n")
        run([server_bin, "add-user", "--db", db, "--user", "root", "--role", "admin"], PW + "\n")
        hall = run([server_bin, "add-kiosk", "--db", db, "--facility", "F2", "--name",
                    "Hall B"]).strip()
        token = run([server_bin, "add-kiosk", "--db", db, "--facility", "F1", "--name",
                     "Entré"]).strip()
        env = dict(os.environ)
        env["BLIPPA_CLOCK_OFFSET_MS"] = str(PINNED_NOW_MS - int(time.time() * 1000))
        srv = subprocess.Popen([server_bin, "serve", "--db", db, "--listen", "127.0.0.1:0",
                                "--cert", os.path.join(pki, "server.pem"), "--key",
                                os.path.join(pki, "server-key.pem")],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=env)
        line = srv.stdout.readline()
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            sys.exit(f"server did not start: {line!r}")
        base = f"https://localhost:{m.group(1)}"
        # check-ins from the kiosk: P1 by card and P3 by name at S1, P2 by a leader at S2
        ev = lambda n, pid, sid, meth: {
            "id": f"0192f5c4-0000-7000-8000-0000000c00{n}", "type": "checkin",
            "at": 1795424040000, "method": meth, "participant_id": pid, "session_id": sid}
        body = json.dumps({"events": [ev("01", "P1", "S1", "card"), ev("02", "P3", "S1", "name"),
                                      ev("03", "P2", "S2", "leader")]}).encode()
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

        # a private HOME whose NSS database trusts the test CA
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
        service = Service("/usr/bin/chromedriver", env=cenv)
        drv = webdriver.Chrome(service=service, options=opts)
        drv.execute_cdp_cmd("Page.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": downloads})
        drv.set_page_load_timeout(DEADLINE)

        def shot(name):
            if not shots:
                return
            os.makedirs(shots, exist_ok=True)
            for w, h in ((1366, 768), (390, 844)):
                drv.set_window_size(w, h)
                drv.save_screenshot(os.path.join(shots, f"backoffice-{name}-{w}.png"))
            drv.set_window_size(1366, 768)

        # no session: the login page
        drv.get(base + "/")
        assert drv.current_url.endswith("/login"), drv.current_url
        shot("login")
        drv.find_element(By.NAME, "username").send_keys("anna")
        drv.find_element(By.NAME, "password").send_keys(PW)
        drv.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
        wait_for(lambda: drv.current_url == base + "/", "the overview")
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
        Select(drv.find_element(By.NAME, "participant")).select_by_value("P2")
        Select(drv.find_element(By.NAME, "session")).select_by_value("S1")
        Select(drv.find_element(By.NAME, "status")).select_by_value("present")
        drv.find_element(By.NAME, "reason").send_keys("Glömt kortet")
        drv.find_element(By.CSS_SELECTOR, "form.correct button").click()
        wait_for(lambda: "Glömt kortet" in drv.page_source, "the correction in the group view")
        assert "2 av 3" in drv.page_source
        # and P3 was checked in at S1 by mistake: a mark of its own (×)
        assert drv.find_elements(By.CSS_SELECTOR, "table.grid td.m-void") == []
        Select(drv.find_element(By.NAME, "participant")).select_by_value("P3")
        Select(drv.find_element(By.NAME, "session")).select_by_value("S1")
        Select(drv.find_element(By.NAME, "status")).select_by_value("absent")
        drv.find_element(By.NAME, "reason").send_keys("Fel person")
        drv.find_element(By.CSS_SELECTOR, "form.correct button").click()
        wait_for(lambda: "Fel person" in drv.page_source, "the second correction")
        marks = drv.find_elements(By.CSS_SELECTOR, "table.grid td.m-void")
        assert len(marks) == 1 and marks[0].text == "\u00d7", marks
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
        path = wait_for(lambda: os.path.exists(os.path.join(downloads, "blippa-export.csv"))
                        and os.path.join(downloads, "blippa-export.csv"), "the CSV download")
        rows = list(csv.DictReader(io.open(path, encoding="utf-8", newline="")))
        assert rows and all(r["group_id"] == "G1" for r in rows), rows[:2]
        fixed = [r for r in rows if r["participant_id"] == "P2" and r["session_id"] == "S1"]
        assert fixed and fixed[0]["status"] == "present" and fixed[0]["kiosk"] == "staff:anna", fixed
        drv.find_element(By.CSS_SELECTOR, "form.export button[formaction='/export.xlsx']").click()
        xp = os.path.join(downloads, "blippa-export.xlsx")
        wait_for(lambda: os.path.exists(xp) and zipfile.is_zipfile(xp), "the xlsx download")
        with zipfile.ZipFile(xp) as z:
            sheets = "".join(z.read(n).decode() for n in z.namelist()
                             if n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml")
            book = z.read("xl/workbook.xml").decode()
        assert "Närvaro" in book and "Sammanfattning" in book
        assert "staff:anna" in sheets and "sessions_held" in sheets
        # log out: back to the login page, and the session is gone
        drv.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
        wait_for(lambda: drv.current_url.endswith("/login"), "the login page after logout")
        drv.get(base + "/groups/G1")
        assert drv.current_url.endswith("/login")
        region_operations(drv, base, tmp, rdir, shot)
        print("test_web_browser: ok")
    finally:
        if drv:
            drv.quit()
        if srv:
            srv.terminate()
            srv.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


def region_operations(drv, base, tmp, rdir, shot):
    """Issue 16 as an admin: the Kiosks page, leaders, a roster upload with
    its dry-run diff, confirmed."""
    drv.find_element(By.NAME, "username").send_keys("root")
    drv.find_element(By.NAME, "password").send_keys(PW)
    drv.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    wait_for(lambda: drv.current_url == base + "/", "the overview as admin")
    drv.find_element(By.LINK_TEXT, "Kiosker").click()
    wait_for(lambda: drv.current_url.endswith("/kiosks"), "the Kiosks page")
    assert "1 behöver åtgärd" in drv.find_element(By.ID, "attention-count").text
    assert drv.find_elements(By.CSS_SELECTOR, "tr.attention li[data-reason=reader]")
    shot("kiosks")
    drv.find_element(By.LINK_TEXT, "Ledare").click()
    wait_for(lambda: drv.current_url.endswith("/leaders"), "the Leaders page")
    shot("leaders")
    up = os.path.join(tmp, "upload")
    shutil.copytree(rdir, up)
    with open(os.path.join(up, "participants.csv"), "a", encoding="utf-8") as f:
        f.write("P8,Ny,Deltagare,\n")
    with open(os.path.join(up, "members.csv"), "a", encoding="utf-8") as f:
        f.write("G1,P8\n")
    drv.find_element(By.LINK_TEXT, "Importera").click()
    wait_for(lambda: drv.current_url.endswith("/import"), "the Import page")
    shot("import")
    names = ["facilities", "groups", "sessions", "participants", "members", "leaders"]
    drv.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(
        "\n".join(os.path.join(up, n + ".csv") for n in names))
    drv.find_element(By.CSS_SELECTOR, "form[action='/import'] button").click()
    wait_for(lambda: drv.find_elements(By.ID, "diff"), "the dry-run diff")
    diff = drv.find_element(By.ID, "diff").text
    assert "+1 deltagare" in diff and "+1 medlemskap" in diff, diff
    shot("import-diff")
    drv.find_element(By.ID, "apply").click()
    wait_for(lambda: drv.find_elements(By.ID, "applied"), "the import applied")


if __name__ == "__main__":
    main()
