/* SPDX-License-Identifier: MIT */
/* Server down for days (issue 7): the real kiosk (headless, sim reader,
 * sync thread on) starts with N check-ins already queued (fault_seed) and
 * the real blippa-server unreachable; participants tap; then the server
 * comes back on the same port and the kiosk drains its queue while people
 * keep tapping. Properties:
 *   - the queue drains fully: nothing pending, nothing rejected, and the
 *     server holds exactly the kiosk's event ids (N + the taps), each once;
 *   - the kiosk is not frozen at any point: every tap, before and during
 *     the drain, is answered (trace "tap-done", written after COMMIT) within
 *     TAP_BOUND_MS of the UID entering the reader FIFO. This is a
 *     correctness bound ("the UI never waits on the network"), generous on
 *     purpose; it is not a benchmark. Latency figures are printed.
 * Usage: test_server_down N    (the CMake test passes 20000; slow: 100000) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiosk_harness.h"

#define TAP_BOUND_MS 2000
#define CARDS 1500    /* participants with cards in the roster */
#define TAP_CARDS 500 /* the first 500 are not in the seeded queue: they tap */
#define TAPS_DOWN 40  /* taps while the server is down */
#define TAPS_HUNG 40  /* taps while the sync thread hangs on a silent server */
#define TAP_GAP_MS 40 /* pacing of the participants' taps (load, not a wait) */
#define LAT_MAX 20000

static char work[] = "/tmp/blippa-srvdown-XXXXXX";
static pid_t srv_pid;
static struct kh k;
static int64_t lat_us[LAT_MAX];
static size_t n_lat;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (kept %s)\n", work);
	if (k.pid > 0)
		kill(k.pid, SIGKILL);
	if (srv_pid > 0)
		kill(srv_pid, SIGKILL);
	exit(1);
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void pause_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		die("command failed: %s", cmd);
}

/* One integer from a query on a database file (busy timeout 10 s). */
static int64_t query(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(db, 10000) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	if (v < 0)
		die("query %s on %s", sql, db_path);
	return v;
}

/* Starts blippa-server serve on 127.0.0.1:port (0: any); returns the port. */
static int server_start(int port, int n)
{
	char out[400], listen[64], cert[400], key[400], db[400], buf[512];
	int64_t deadline = mono_us() + 20 * 1000000LL;
	snprintf(out, sizeof out, "%s/serve.%d.out", work, n);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	snprintf(cert, sizeof cert, "%s/pki/server.pem", work);
	snprintf(key, sizeof key, "%s/pki/server-key.pem", work);
	snprintf(db, sizeof db, "%s/region.db", work);
	fflush(NULL); /* the child must not inherit unwritten output */
	srv_pid = fork();
	if (srv_pid < 0)
		die("fork");
	if (srv_pid == 0) {
		if (!freopen(out, "w", stdout))
			_exit(126);
		char err[420];
		snprintf(err, sizeof err, "%s.err", out);
		if (!freopen(err, "w", stderr))
			_exit(126);
		execl(BLIPPA_SERVER_EXE, BLIPPA_SERVER_EXE, "serve", "--db", db, "--listen", listen,
		      "--cert", cert, "--key", key, (char *)NULL);
		_exit(127);
	}
	while (mono_us() < deadline) {
		FILE *f = fopen(out, "r");
		const char *p;
		if (f) {
			size_t m = fread(buf, 1, sizeof buf - 1, f);
			buf[m] = '\0';
			fclose(f);
			if ((p = strstr(buf, "listening on 127.0.0.1:")) && strchr(p, '\n'))
				return atoi(p + strlen("listening on 127.0.0.1:"));
		}
		if (waitpid(srv_pid, NULL, WNOHANG) == srv_pid)
			die("server exited at start (see %s.err)", out);
		pause_ms(20);
	}
	die("server did not start");
}

static void server_kill(void)
{
	kill(srv_pid, SIGKILL);
	waitpid(srv_pid, NULL, 0);
	srv_pid = 0;
}

/* A server that hangs: listens on 127.0.0.1:port and waits (deadline) for
 * the kiosk's sync thread to connect; the connection is accepted and never
 * answered. Returns the listening socket; *conn gets the connection. */
static int hung_server(int port, int *conn)
{
	struct sockaddr_in a;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int64_t deadline = mono_us() + 60 * 1000000LL;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 8) != 0)
		die("hung server: cannot listen on port %d: %s", port, strerror(errno));
	while ((*conn = accept(fd, NULL, NULL)) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			die("hung server: accept: %s", strerror(errno));
		if (mono_us() > deadline)
			die("the kiosk's sync thread never connected to the hung server");
		pause_ms(10);
	}
	return fd;
}

/* True if the peer has not closed conn (reads and drops what it sent). */
static bool peer_open(int conn)
{
	char buf[4096];
	for (;;) {
		ssize_t r = recv(conn, buf, sizeof buf, MSG_DONTWAIT);
		if (r > 0)
			continue;
		return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

static void start_kiosk(const char *cfg)
{
	snprintf(k.dir, sizeof k.dir, "%s/kiosk", work);
	snprintf(k.ctl, sizeof k.ctl, "%s/control", work);
	snprintf(k.trace, sizeof k.trace, "%s/trace", work);
	snprintf(k.reader, sizeof k.reader, "%s/taps", work);
	snprintf(k.db, sizeof k.db, "%s/kiosk/blippa.db", work);
	if (mkfifo(k.ctl, 0600) != 0)
		die("mkfifo");
	fflush(NULL);
	k.pid = fork();
	if (k.pid < 0)
		die("fork");
	if (k.pid == 0) {
		char err[400];
		snprintf(err, sizeof err, "%s/kiosk.err", work);
		if (!freopen(err, "w", stderr))
			_exit(126);
		setenv("SDL_VIDEODRIVER", "offscreen", 1);
		setenv("SDL_RENDER_DRIVER", "software", 1);
		setenv("SDL_AUDIODRIVER", "dummy", 1);
		execl(KIOSK_BIN, KIOSK_BIN, "--config", cfg, "--windowed", "--size", "1280x800",
		      "--trace", k.trace, "--control", k.ctl, (char *)NULL);
		_exit(127);
	}
	if (!kh_wait(&k, "present home", 30000, NULL, 0))
		die("kiosk did not start (see %s/kiosk.err)", work);
	for (int64_t end = mono_us() + 10000000; !kh_seen(&k, "reader ready"); pause_ms(10))
		if (mono_us() > end)
			die("the sim reader did not come up");
}

/* One tap through the sim reader; waits for the kiosk's answer and records
 * the time from the UID entering the FIFO to the trace line. */
static void tap(int card)
{
	char hex[16], line[1024];
	int64_t t0, t1;
	snprintf(hex, sizeof hex, "04%06X", card);
	t0 = mono_us();
	kh_reader_tap(&k, hex);
	if (!kh_wait(&k, "tap-done ", 10000, line, sizeof line))
		die("no answer to a tap within 10 s: the kiosk is frozen");
	if (strstr(line, "tap-done error"))
		die("a tap failed: %s", line);
	t1 = strtoll(line, NULL, 10);
	if (n_lat < LAT_MAX)
		lat_us[n_lat++] = t1 - t0;
	if (t1 - t0 > (int64_t)TAP_BOUND_MS * 1000)
		die("tap answered after %lld ms (bound %d ms)", (long long)((t1 - t0) / 1000),
		    TAP_BOUND_MS);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The sorted event ids (check-ins) of a database, one per line, into path. */
static void dump_ids(const char *db, const char *path)
{
	run("sqlite3 -cmd '.timeout 10000' '%s' 'SELECT id FROM events WHERE type = 0;'"
	    " | sort > '%s'",
	    db, path);
}

int main(int argc, char **argv)
{
	char cfg[400], db_srv[400], ini[2048];
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
	int port, card = 1, taps_drain = 0;
	int64_t t_up, t_drained, pending, total;
	FILE *f;

	signal(SIGPIPE, SIG_IGN);
	if (n <= 0 || !mkdtemp(work))
		die("usage: test_server_down N");
	snprintf(db_srv, sizeof db_srv, "%s/region.db", work);
	snprintf(cfg, sizeof cfg, "%s/kiosk.ini", work);

	/* region server with a 1500-participant roster, a kiosk token */
	run("sh '%s' '%s/pki' >/dev/null 2>&1", MAKE_TEST_CA, work);
	run("sh -c '. \"%s\" && make_roster \"%s/roster\" %d'", TESTLIB_SH, work, CARDS);
	run("'%s' init --db '%s' >/dev/null", BLIPPA_SERVER_EXE, db_srv);
	run("'%s' import --db '%s' '%s/roster' >/dev/null", BLIPPA_SERVER_EXE, db_srv, work);
	run("umask 077 && '%s' add-kiosk --db '%s' --facility F1 --name K 2>/dev/null"
	    " | head -n 1 > '%s/token'",
	    BLIPPA_SERVER_EXE, db_srv, work);
	port = server_start(0, 0);
	snprintf(
	    ini, sizeof ini,
	    "[kiosk]\ndata_dir = %s/kiosk\nfullscreen = no\nresult_seconds = 2\n"
	    "[server]\nurl = https://127.0.0.1:%d\ntoken_file = %s/token\nca_file = %s/pki/ca.pem\n"
	    "sync_interval_s = 5\n[reader]\ndevice = sim:%s/taps\n",
	    work, port, work, work, work);
	f = fopen(cfg, "w");
	if (!f || fputs(ini, f) < 0 || fclose(f) != 0)
		die("writing %s", cfg);
	run("'%s' --config '%s' once >/dev/null 2>'%s/sync0.err'", BLIPPA_SYNC_EXE, cfg, work);

	/* the server goes away; the kiosk has been offline for days */
	server_kill();
	run("'%s' '%s/kiosk/blippa.db' %ld %d >/dev/null", FAULT_SEED_EXE, work, n, TAP_CARDS);
	start_kiosk(cfg);
	for (int i = 0; i < TAPS_DOWN; i++, card++) {
		tap(card);
		pause_ms(TAP_GAP_MS);
	}
	if (query(k.db, "SELECT count(*) FROM events WHERE sync = 0") != n + TAPS_DOWN)
		die("queue while down: expected %ld pending", n + TAPS_DOWN);
	printf("server down: %d taps answered, %ld + %d events queued\n", TAPS_DOWN, n, TAPS_DOWN);

	/* a server that accepts and never answers: the sync thread hangs in the
	 * TLS handshake (up to its 10 s connect timeout) while people tap */
	{
		int conn = -1, lfd = hung_server(port, &conn);
		for (int i = 0; i < TAPS_HUNG; i++, card++) {
			tap(card);
			pause_ms(TAP_GAP_MS);
		}
		if (!peer_open(conn))
			die("the sync thread gave up on the hung server before the taps were done");
		close(conn);
		close(lfd);
	}
	printf("server hung: %d taps answered while the sync thread waited on it\n", TAPS_HUNG);
	if (query(k.db, "SELECT count(*) FROM events WHERE sync = 0") != n + TAPS_DOWN + TAPS_HUNG)
		die("queue while hung: expected %ld pending", n + TAPS_DOWN + TAPS_HUNG);

	/* the server returns on the same port: drain while people keep tapping */
	server_start(port, 1);
	t_up = mono_us();
	do {
		tap(card);
		card = card % TAP_CARDS + 1; /* after the first round: "already checked in" */
		taps_drain++;
		pause_ms(TAP_GAP_MS);
		pending = query(k.db, "SELECT count(*) FROM events WHERE sync = 0");
		if (mono_us() - t_up > (n > 50000 ? 900 : 300) * 1000000LL)
			die("queue not drained: %lld still pending", (long long)pending);
	} while (pending > 0);
	t_drained = mono_us();
	if (taps_drain < 2)
		die("the drain did not overlap the taps");

	total = query(k.db, "SELECT count(*) FROM events WHERE type = 0");
	if (query(k.db, "SELECT count(*) FROM events WHERE sync = 2") != 0)
		die("rejected events");
	if (query(db_srv, "SELECT count(*) FROM events WHERE type = 0") != total)
		die("server holds %lld check-ins, kiosk %lld",
		    (long long)query(db_srv, "SELECT count(*) FROM events WHERE type = 0"),
		    (long long)total);
	{
		char a[420], b[420];
		snprintf(a, sizeof a, "%s/local_ids", work);
		snprintf(b, sizeof b, "%s/server_ids", work);
		dump_ids(k.db, a);
		dump_ids(db_srv, b);
		run("cmp -s '%s' '%s'", a, b);
		run("test -z \"$(uniq -d '%s')\"", b);
	}
	if (kh_stop(&k) != 0)
		die("kiosk did not quit cleanly");
	server_kill();

	qsort(lat_us, n_lat, sizeof lat_us[0], cmp64);
	printf("drained %ld queued + %d tapped events in %.1f s after the server returned;"
	       " %d taps during the drain\n",
	       n, TAPS_DOWN + TAPS_HUNG + taps_drain, (double)(t_drained - t_up) / 1e6, taps_drain);
	printf("tap -> answer (%zu taps): median %.1f ms, p99 %.1f ms, max %.1f ms (bound %d ms)\n",
	       n_lat, (double)lat_us[n_lat / 2] / 1000, (double)lat_us[n_lat * 99 / 100] / 1000,
	       (double)lat_us[n_lat - 1] / 1000, TAP_BOUND_MS);
	if (!getenv("BLIPPA_KEEP_TEST_DIRS"))
		run("rm -rf '%s'", work);
	return 0;
}
