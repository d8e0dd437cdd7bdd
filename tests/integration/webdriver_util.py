# SPDX-License-Identifier: MIT
# What every back-office browser test in tests/integration shares: a real
# blippa-server over HTTPS with a CA made at test time (make-test-ca.sh),
# its clock pinned inside the fixture roster's period, and Debian's chromium
# driven by chromedriver through python3-selenium. Chromium trusts the test
# CA through an NSS database in a private HOME (certutil); TLS verification
# stays on. Downloads land in a directory of the fixture's own; screenshots
# are taken at 1366x768 and 390x844.
#
#   with Backoffice(server_bin, make_ca, "blippa-web-") as bo:
#       bo.init_db(roster_dir)
#       bo.add_user("anna", "coordinator", "F1")
#       bo.serve()
#       drv = bo.browser()
#       bo.login("anna")
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

PW = "correct horse battery"
PINNED_NOW_MS = 1796904000000  # 2026-12-10 12:00 UTC, after S1..S5
DEADLINE = 30
SHOT_SIZES = ((1366, 768), (390, 844))


def run(args, stdin=None):
    """Runs a command; exits the test with its stderr if it fails."""
    p = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        sys.exit(f"{' '.join(args[:2])} failed: {p.stderr}")
    return p.stdout


def wait_for(pred, what):
    """Polls pred until it is true (returned) or DEADLINE seconds pass."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    sys.exit(f"timed out waiting for {what}")


def downloaded(downloads, name):
    """The path of downloads/name once Chromium has finished it, else None.
    Chromium reserves the name with an empty file when the download starts
    and writes to a .crdownload file beside it until it is complete."""
    path = os.path.join(downloads, name)
    busy = any(f.endswith(".crdownload") for f in os.listdir(downloads))
    if busy or not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    return path


def copy_roster(src, dst, append):
    """Copies the roster directory src to dst, then appends to its files:
    append maps a file name ("members.csv") to the lines to add."""
    shutil.copytree(src, dst)
    for name, lines in append.items():
        with open(os.path.join(dst, name), "a", encoding="utf-8") as f:
            f.write(lines)
    return dst


class Backoffice:
    """A region database, its server and one browser, all removed on exit."""

    def __init__(self, server_bin, make_ca, prefix):
        self.server_bin = server_bin
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.pki = os.path.join(self.tmp, "pki")
        run(["sh", make_ca, self.pki])
        self.ca = os.path.join(self.pki, "ca.pem")
        self.db = os.path.join(self.tmp, "region.db")
        self.downloads = os.path.join(self.tmp, "downloads")
        self.srv = self.drv = None
        self.base = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.drv:
            self.drv.quit()
        if self.srv:
            self.srv.terminate()
            self.srv.wait(timeout=20)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def cli(self, *args, stdin=None):
        """blippa-server COMMAND --db DB ARGS..."""
        return run([self.server_bin, args[0], "--db", self.db, *args[1:]], stdin)

    def init_db(self, roster):
        self.cli("init")
        self.cli("import", roster)

    def add_user(self, name, role, facility=None):
        extra = ["--facility", facility] if facility else []
        self.cli("add-user", "--user", name, "--role", role, *extra, stdin=PW + "\n")

    def serve(self):
        """Starts `serve` on a free loopback port with the pinned clock."""
        env = dict(os.environ)
        env["BLIPPA_CLOCK_OFFSET_MS"] = str(PINNED_NOW_MS - int(time.time() * 1000))
        self.srv = subprocess.Popen(
            [self.server_bin, "serve", "--db", self.db, "--listen", "127.0.0.1:0", "--cert",
             os.path.join(self.pki, "server.pem"), "--key",
             os.path.join(self.pki, "server-key.pem")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        line = self.srv.stdout.readline()
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            sys.exit(f"server did not start: {line!r}")
        self.base = f"https://localhost:{m.group(1)}"
        return self.base

    def browser(self):
        """Headless chromium trusting the test CA, downloading into
        self.downloads without asking."""
        home = os.path.join(self.tmp, "home")
        nss = os.path.join(home, ".pki", "nssdb")
        os.makedirs(nss)
        run(["certutil", "-N", "-d", "sql:" + nss, "--empty-password"])
        run(["certutil", "-A", "-d", "sql:" + nss, "-n", "blippa-test-ca", "-t", "C,,", "-i",
             self.ca])
        os.makedirs(self.downloads)
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage", "--window-size=1366,768",
                  "--user-data-dir=" + os.path.join(self.tmp, "profile")]:
            opts.add_argument(a)
        opts.add_experimental_option("prefs", {"download.default_directory": self.downloads,
                                               "download.prompt_for_download": False})
        cenv = dict(os.environ)
        cenv["HOME"] = home
        self.drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver", env=cenv),
                                    options=opts)
        self.drv.execute_cdp_cmd("Page.setDownloadBehavior",
                                 {"behavior": "allow", "downloadPath": self.downloads})
        self.drv.set_page_load_timeout(DEADLINE)
        return self.drv

    def login(self, user, pw=PW, wait=True):
        """Signs in from the login page; waits for the overview if wait."""
        drv = self.drv
        drv.get(self.base + "/login")
        drv.find_element(By.NAME, "username").send_keys(user)
        drv.find_element(By.NAME, "password").send_keys(pw)
        drv.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
        if wait:
            wait_for(lambda: drv.current_url == self.base + "/", f"{user}'s overview")

    def logout(self):
        self.drv.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
        wait_for(lambda: self.drv.current_url.endswith("/login"), "the login page")

    def shot(self, shots_dir, name):
        """Saves SHOTS_DIR/backoffice-NAME-WIDTH.png at each size (nothing
        without a SHOTS_DIR)."""
        if not shots_dir:
            return
        os.makedirs(shots_dir, exist_ok=True)
        for w, h in SHOT_SIZES:
            self.drv.set_window_size(w, h)
            self.drv.save_screenshot(os.path.join(shots_dir, f"backoffice-{name}-{w}.png"))
        self.drv.set_window_size(*SHOT_SIZES[0])
