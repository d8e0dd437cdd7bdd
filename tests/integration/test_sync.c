/* SPDX-License-Identifier: MIT */
/* The sync engine against the REAL blippa-server over HTTPS on 127.0.0.1
 * with a CA made at test time (tests/helpers/make-test-ca.sh):
 *  - end to end: import CSVs -> add-kiosk -> `blippa-sync once` pulls the
 *    roster -> check-ins through the store -> `blippa-sync once` ->
 *    `blippa-server export` shows them present; `blippa-sync status`;
 *  - an unchanged roster answers 304;
 *  - a wrong CA (and the system store alone) fails with a TLS error and
 *    marks nothing synced;
 *  - an unknown token: "not authorised", exit 1, nothing marked;
 *  - an event the server rejects is kept, shown, and not sent again;
 *  - a proxy answering 400 to everything: `once` exits 1, nothing rejected;
 *    the real server's 400 for a malformed event isolates just that event;
 *  - `status` refuses a data_dir without a database; `once` creates it;
 *  - faults: 10,000 check-ins on 3 kiosks (3 store files, 3 facilities)
 *    synced concurrently through tests/helpers/faultproxy with random faults
 *    (drops before/after the server processed a batch, cuts, 500, 429,
 *    garbage, delays) -> the server holds exactly those 10,000 events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "store.h"
#include "tz.h"

#define ZONE "Europe/Stockholm"
#define FAULT_KIOSKS 3
#define FAULT_DAYS 10
#define FAULT_TOTAL 10000

struct server {
	pid_t pid;
	int port;
};

static char base[64]; /* temp dir of the whole run */
static char pki[128];
static char sdb[160]; /* server DB for the HTTPS tests */
static struct server srv;
static char token_a[80];

/* ------------------------------------------------------------ processes */

/* Runs argv, returns its exit status; stdout into *out (malloc'd, may be
 * NULL) and stderr into *errout. */
static int run(char *const argv[], char **out, char **errout)
{
	int po[2], pe[2], status = -1;
	char *buf[2] = {NULL, NULL};
	size_t len[2] = {0, 0};
	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	struct pollfd pf[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
	int open_fds = 2;
	while (open_fds) {
		assert_true(poll(pf, 2, 60000) > 0);
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP)))
				continue;
			char tmp[4096];
			ssize_t r = read(pf[i].fd, tmp, sizeof tmp);
			if (r <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			buf[i] = realloc(buf[i], len[i] + (size_t)r + 1);
			memcpy(buf[i] + len[i], tmp, (size_t)r);
			len[i] += (size_t)r;
			buf[i][len[i]] = '\0';
		}
	}
	waitpid(pid, &status, 0);
	for (int i = 0; i < 2; i++)
		if (!buf[i])
			buf[i] = calloc(1, 1);
	if (out)
		*out = buf[0];
	else
		free(buf[0]);
	if (errout)
		*errout = buf[1];
	else
		free(buf[1]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void run_ok(char *const argv[], char **out)
{
	char *err = NULL;
	int rc = run(argv, out, &err);
	if (rc != 0)
		fail_msg("%s %s exited %d: %s", argv[0], argv[1], rc, err);
	free(err);
}

/* Starts `blippa-server serve`; waits for its "listening on ...:PORT". */
static void server_start(struct server *s, const char *db, bool tls)
{
	char cert[192], key[192];
	int p[2];
	snprintf(cert, sizeof cert, "%s/server.pem", pki);
	snprintf(key, sizeof key, "%s/server-key.pem", pki);
	assert_int_equal(pipe(p), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		if (tls)
			execl(BLIPPA_SERVER_EXE, "blippa-server", "serve", "--db", db, "--listen",
			      "127.0.0.1:0", "--cert", cert, "--key", key, (char *)NULL);
		else
			execl(BLIPPA_SERVER_EXE, "blippa-server", "serve", "--db", db, "--listen",
			      "127.0.0.1:0", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char line[256];
	size_t n = 0;
	struct pollfd pf = {p[0], POLLIN, 0};
	while (!memchr(line, '\n', n)) {
		assert_true(poll(&pf, 1, 20000) > 0);
		ssize_t r = read(p[0], line + n, sizeof line - 1 - n);
		assert_true(r > 0);
		n += (size_t)r;
		line[n] = '\0';
	}
	close(p[0]);
	char *colon = strrchr(strtok(line, "\n"), ':');
	assert_non_null(colon);
	s->port = atoi(colon + 1);
	assert_true(s->port > 0);
}

static void server_stop(struct server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* ------------------------------------------------------------ fixtures */

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void local(int64_t ms, char date[11], char hhmm[6])
{
	assert_int_equal(tz_utc_ms_to_local(ZONE, ms, date, hhmm), BLIPPA_OK);
}

/* A kiosk directory with config and token file; returns the config path. */
static void make_kiosk(const char *name, const char *token, const char *ca, int port, char *dir,
		       size_t dirlen, char *ini, size_t inilen)
{
	char path[256], text[1024];
	snprintf(dir, dirlen, "%s/%s", base, name);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/token", dir);
	snprintf(text, sizeof text, "%s\n", token);
	write_file(path, text, 0600);
	snprintf(ini, inilen, "%s/kiosk.ini", dir);
	snprintf(text, sizeof text,
		 "[kiosk]\ndata_dir = %s\n[server]\nurl = https://127.0.0.1:%d\n"
		 "token_file = %s/token\nca_file = %s\n[reader]\ndevice = none\n",
		 dir, port, dir, ca ? ca : "");
	write_file(ini, text, 0600);
}

static struct sync_engine *engine_for(const char *dir, const char *token, const char *ca, int port)
{
	struct sync_options o = {0};
	struct sync_engine *e = NULL;
	char url[64], err[256];
	snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
	o.server_url = url;
	o.token = token;
	o.ca_file = ca;
	o.data_dir = dir;
	if (sync_engine_open(&o, &e, err, sizeof err) != BLIPPA_OK)
		fail_msg("engine: %s", err);
	return e;
}

static int64_t pending_of(struct store *st)
{
	struct store_sync_status s;
	assert_int_equal(store_get_sync_status(st, &s), BLIPPA_OK);
	return s.pending;
}

/* The HTTPS server with a roster whose session S1 is happening now. */
static int setup(void **state)
{
	char dir[192], path[256], text[2048], d0[11], t0[6], d1[11], t1[6];
	int64_t now = clock_wall_ms();
	(void)state;

	snprintf(base, sizeof base, "/tmp/blippa-sync-it.XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(pki, sizeof pki, "%s/pki", base);
	char *mk[] = {"/bin/sh", MAKE_TEST_CA, pki, NULL};
	run_ok(mk, NULL);

	snprintf(dir, sizeof dir, "%s/roster", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	local(now - 30 * 60000, d0, t0);
	local(now + 90 * 60000, d1, t1);
	snprintf(path, sizeof path, "%s/facilities.csv", dir);
	write_file(path, "facility_id,name,timezone\nF1,IK Hälsa," ZONE "\nF2,Friskis," ZONE "\n",
		   0600);
	snprintf(path, sizeof path, "%s/groups.csv", dir);
	snprintf(text, sizeof text,
		 "group_id,facility_id,name,period_start,period_end\nG1,F1,Styrka A,%s,%s\n"
		 "G2,F2,Balans,%s,%s\n",
		 d0, d1, d0, d1);
	write_file(path, text, 0600);
	snprintf(path, sizeof path, "%s/sessions.csv", dir);
	snprintf(text, sizeof text,
		 "session_id,group_id,start,end\nS1,G1,%s %s,%s %s\n"
		 "S2,G2,%s %s,%s %s\n",
		 d0, t0, d1, t1, d0, t0, d1, t1);
	write_file(path, text, 0600);
	snprintf(path, sizeof path, "%s/participants.csv", dir);
	write_file(path,
		   "participant_id,given_name,family_name,card_uid\n"
		   "P1,Åsa,Östberg,04A1B2C3\nP2,Örjan,Ärlig,\nP3,Bo,Ek,\nP4,Eva,Lind,\n"
		   "P9,Sven,Berg,\n",
		   0600);
	snprintf(path, sizeof path, "%s/members.csv", dir);
	write_file(path, "group_id,participant_id\nG1,P1\nG1,P2\nG1,P3\nG1,P4\nG2,P9\n", 0600);
	snprintf(path, sizeof path, "%s/leaders.csv", dir);
	write_file(path, "leader_id,facility_id,name,card_uid\nL1,F1,Kim Lind,04FFEE01\n", 0600);

	snprintf(sdb, sizeof sdb, "%s/server.db", base);
	char *init[] = {BLIPPA_SERVER_EXE, "init", "--db", sdb, NULL};
	run_ok(init, NULL);
	char *imp[] = {BLIPPA_SERVER_EXE, "import", "--db", sdb, dir, NULL};
	run_ok(imp, NULL);
	char *add[] = {BLIPPA_SERVER_EXE, "add-kiosk", "--db", sdb, "--facility", "F1",
		       "--name",	  "Kiosk A",   NULL};
	char *out = NULL;
	run_ok(add, &out);
	snprintf(token_a, sizeof token_a, "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	assert_int_equal(strlen(token_a), 64);
	server_start(&srv, sdb, true);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	server_stop(&srv);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ tests */

static void test_end_to_end(void **state)
{
	char dir[128], ini[192], ca[192], *out = NULL;
	struct store *st = NULL;
	struct store_rules rules;
	struct checkin_result res;
	char err[256], fid[70], fname[140], ftz[70];
	static const uint8_t uid[] = {0x04, 0xA1, 0xB2, 0xC3};
	(void)state;

	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	make_kiosk("k-e2e", token_a, ca, srv.port, dir, sizeof dir, ini, sizeof ini);
	char *once[] = {BLIPPA_SYNC_EXE, "--config", ini, "once", NULL};
	run_ok(once, &out);
	assert_non_null(strstr(out, "roster: updated"));
	free(out);

	store_rules_default(&rules);
	assert_int_equal(store_open(dir, &rules, &st, err, sizeof err), BLIPPA_OK);
	assert_int_equal(store_facility(st, fid, sizeof fid, fname, sizeof fname, ftz, sizeof ftz),
			 BLIPPA_OK);
	assert_string_equal(fid, "F1");
	int64_t now = clock_wall_ms();
	assert_int_equal(store_checkin_card(st, uid, sizeof uid, now, &res), BLIPPA_OK);
	assert_int_equal(res.outcome, CHECKIN_OK);
	assert_string_equal(res.session_id, "S1");
	assert_int_equal(store_checkin_participant(st, "P2", CHECKIN_NAME, NULL, now, &res),
			 BLIPPA_OK);
	assert_int_equal(res.outcome, CHECKIN_OK);
	assert_int_equal(pending_of(st), 2);
	store_close(st);

	run_ok(once, &out);
	assert_non_null(strstr(out, "sent 2 events: 2 accepted"));
	assert_non_null(strstr(out, "roster: unchanged"));
	free(out);

	char *exp[] = {BLIPPA_SERVER_EXE, "export", "--db", sdb, "--facility", "F1", NULL};
	run_ok(exp, &out);
	assert_non_null(strstr(out, ",S1,"));
	/* facility,group,session,start,participant,given,family,status,at,method,kiosk */
	bool p1 = false, p2 = false, p3 = false;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, ",P1,"))
			p1 = strstr(line, ",present,") && strstr(line, ",card,");
		if (strstr(line, ",P2,"))
			p2 = strstr(line, ",present,") && strstr(line, ",name,");
		if (strstr(line, ",P3,"))
			p3 = strstr(line, ",absent,") != NULL;
	}
	free(out);
	assert_true(p1);
	assert_true(p2);
	assert_true(p3);

	char *status[] = {BLIPPA_SYNC_EXE, "--config", ini, "status", NULL};
	run_ok(status, &out);
	assert_non_null(strstr(out, "pending events:    0"));
	assert_non_null(strstr(out, "kiosk id:          k-"));
	assert_non_null(strstr(out, "last error:        -"));
	assert_null(strstr(out, token_a)); /* never print the token */
	free(out);
}

/* Unchanged roster: 304, nothing rewritten. */
static void test_roster_not_modified(void **state)
{
	char dir[128], ini[192], ca[192];
	struct sync_report rep;
	(void)state;
	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	make_kiosk("k-304", token_a, ca, srv.port, dir, sizeof dir, ini, sizeof ini);
	struct sync_engine *e = engine_for(dir, token_a, ca, srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_true(rep.roster_updated);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_false(rep.roster_updated);
	assert_int_equal(rep.pull, BLIPPA_OK);
	sync_engine_close(e);
}

/* The server's certificate is signed by a CA the kiosk does not trust. */
static void test_wrong_ca(void **state)
{
	char dir[128], ini[192], ca[192], other[192];
	struct sync_report rep;
	struct checkin_result res;
	struct store_sync_status s;
	(void)state;
	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	snprintf(other, sizeof other, "%s/other-ca.pem", pki);
	make_kiosk("k-ca", token_a, ca, srv.port, dir, sizeof dir, ini, sizeof ini);
	struct sync_engine *e = engine_for(dir, token_a, ca, srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK); /* roster in */
	assert_int_equal(store_checkin_participant(sync_engine_store(e), "P3", CHECKIN_NAME, NULL,
						   clock_wall_ms(), &res),
			 BLIPPA_OK);
	sync_engine_close(e);

	const char *cas[] = {other, ""}; /* wrong extra CA; system store only */
	for (size_t i = 0; i < 2; i++) {
		e = engine_for(dir, token_a, cas[i], srv.port);
		assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_ERR_TLS);
		assert_int_equal(rep.push, BLIPPA_ERR_TLS);
		assert_int_equal(rep.pull, BLIPPA_ERR_TLS);
		assert_int_equal(rep.sent, 0);
		assert_int_equal(rep.pending, 1);
		assert_int_equal(store_get_sync_status(sync_engine_store(e), &s), BLIPPA_OK);
		assert_non_null(strstr(s.last_error, "certificate"));
		assert_false(s.server_reachable);
		sync_engine_close(e);
	}
}

static void test_unauthorised(void **state)
{
	char dir[128], ini[192], ca[192], *out = NULL, *err = NULL;
	(void)state;
	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	make_kiosk("k-401", "00000000000000000000000000000000000000000000000000000000deadbeef", ca,
		   srv.port, dir, sizeof dir, ini, sizeof ini);
	char *once[] = {BLIPPA_SYNC_EXE, "--config", ini, "once", NULL};
	assert_int_equal(run(once, &out, &err), 1);
	assert_non_null(strstr(err, "HTTP 401"));
	free(out);
	free(err);
	char *status[] = {BLIPPA_SYNC_EXE, "--config", ini, "status", NULL};
	run_ok(status, &out);
	assert_non_null(strstr(out, "NO (kiosk not authorised)"));
	free(out);
}

/* The kiosk's roster knows a participant the server does not: the check-in
 * is rejected, kept, shown by `status`, and never sent again. */
static void test_rejected_kept(void **state)
{
	char dir[128], ini[192], ca[192], *out = NULL, err[256];
	struct sync_report rep;
	struct checkin_result res;
	struct store_rejected rej[2];
	size_t n;
	int64_t now = clock_wall_ms();
	char d0[11], t0[6], d1[11], t1[6], s0[20], s1[20];
	(void)state;

	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	make_kiosk("k-rej", token_a, ca, srv.port, dir, sizeof dir, ini, sizeof ini);
	struct sync_engine *e = engine_for(dir, token_a, ca, srv.port);
	struct roster *r = roster_new();
	local(now - 30 * 60000, d0, t0);
	local(now + 90 * 60000, d1, t1);
	snprintf(s0, sizeof s0, "%s %s", d0, t0);
	snprintf(s1, sizeof s1, "%s %s", d1, t1);
	assert_int_equal(roster_set_facility(r, "F1", "IK Hälsa", ZONE), 0);
	assert_int_equal(roster_add_group(r, "G1", "Styrka A", d0, d1), 0);
	assert_int_equal(roster_add_session(r, "S1", "G1", s0, s1), 0);
	assert_int_equal(roster_add_participant(r, "PGHOST", "Gast", "Okand"), 0);
	assert_int_equal(roster_add_member(r, "G1", "PGHOST"), 0);
	assert_int_equal(store_replace_roster(sync_engine_store(e), r, err, sizeof err), 0);
	roster_free(r);
	assert_int_equal(store_checkin_participant(sync_engine_store(e), "PGHOST", CHECKIN_LEADER,
						   "S1", now, &res),
			 BLIPPA_OK);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.rejected, 1);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(store_rejected_events(sync_engine_store(e), rej, 2, &n), BLIPPA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rej[0].event_id, res.event_id);
	assert_non_null(strstr(rej[0].reason, "unknown participant"));
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.sent, 0);
	sync_engine_close(e);

	char *status[] = {BLIPPA_SYNC_EXE, "--config", ini, "status", NULL};
	run_ok(status, &out);
	assert_non_null(strstr(out, "rejected events:   1"));
	assert_non_null(strstr(out, res.event_id));
	free(out);
}

/* ------------------------------------------------------------ not Blippa */

/* Stands in for a proxy/WAF in front of the server that answers every
 * request itself with 400 and an HTML page (nginx "400 No required SSL
 * certificate was sent"): no Blippa-Protocol header. Plain HTTP on
 * 127.0.0.1, one connection at a time. */
struct fake400 {
	int fd, port;
	atomic_bool stop;
	pthread_t tid;
};

static void *fake400_run(void *arg)
{
	struct fake400 *f = arg;
	static const char page[] = "<html><head><title>400 No required SSL certificate was "
				   "sent</title></head><body>nginx</body></html>";
	char ans[512], buf[65536];
	int alen = snprintf(ans, sizeof ans,
			    "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: "
			    "text/html\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
			    sizeof page - 1, page);
	while (!atomic_load(&f->stop)) {
		struct pollfd pl = {f->fd, POLLIN, 0};
		if (poll(&pl, 1, 50) <= 0)
			continue;
		int c = accept(f->fd, NULL, NULL);
		if (c < 0)
			continue;
		/* read the whole request first, so closing does not reset it */
		size_t len = 0;
		long want = -1;
		struct pollfd pc = {c, POLLIN, 0};
		while (len < sizeof buf - 1 && poll(&pc, 1, 5000) > 0) {
			ssize_t r = read(c, buf + len, sizeof buf - 1 - len);
			if (r <= 0)
				break;
			len += (size_t)r;
			buf[len] = '\0';
			char *end = strstr(buf, "\r\n\r\n"), *cl = strstr(buf, "Content-Length:");
			if (end)
				want = (long)(end - buf) + 4 + (cl ? atol(cl + 15) : 0);
			if (want >= 0 && (long)len >= want)
				break;
		}
		ssize_t w = write(c, ans, (size_t)alen);
		(void)w;
		close(c);
	}
	return NULL;
}

static void fake400_start(struct fake400 *f)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof a;
	a.sin_addr.s_addr = htonl(0x7f000001);
	f->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(f->fd, 16), 0);
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&a, &al), 0);
	f->port = ntohs(a.sin_port);
	atomic_store(&f->stop, false);
	assert_int_equal(pthread_create(&f->tid, NULL, fake400_run, f), 0);
}

static void fake400_stop(struct fake400 *f)
{
	atomic_store(&f->stop, true);
	pthread_join(f->tid, NULL);
	close(f->fd);
}

/* A kiosk config at ini: data_dir, server url, the token file in tokdir. */
static void write_ini(const char *ini, const char *data_dir, const char *url, const char *tokdir,
		      const char *ca)
{
	char text[1024];
	snprintf(text, sizeof text,
		 "[kiosk]\ndata_dir = %s\n[server]\nurl = %s\ntoken_file = %s/token\n"
		 "ca_file = %s\n[reader]\ndevice = none\n",
		 data_dir, url, tokdir, ca);
	write_file(ini, text, 0600);
}

/* Every answer is a proxy's 400: `blippa-sync once` exits 1 and says why,
 * every event stays pending, none is marked rejected; through the real
 * server afterwards they all go out. */
static void test_proxy_400(void **state)
{
	char dir[128], ini[192], ini400[192], ca[192], url[64], *out = NULL, *err = NULL;
	struct sync_report rep;
	struct checkin_result res;
	struct store_sync_status s;
	struct fake400 f;
	(void)state;

	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	make_kiosk("k-400", token_a, ca, srv.port, dir, sizeof dir, ini, sizeof ini);
	struct sync_engine *e = engine_for(dir, token_a, ca, srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK); /* roster in */
	const char *who[] = {"P1", "P2"};
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(store_checkin_participant(sync_engine_store(e), who[i],
							   CHECKIN_NAME, NULL, clock_wall_ms(),
							   &res),
				 BLIPPA_OK);
	sync_engine_close(e);

	fake400_start(&f);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
	snprintf(ini400, sizeof ini400, "%s/kiosk400.ini", dir);
	write_ini(ini400, dir, url, dir, "");
	char *once400[] = {BLIPPA_SYNC_EXE, "--config", ini400, "once", NULL};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(run(once400, &out, &err), 1);
		assert_non_null(strstr(out, "0 rejected"));
		assert_non_null(strstr(out, "pending: 2"));
		assert_non_null(strstr(err, "not a Blippa server? check the URL or proxy"));
		free(out);
		free(err);
	}
	fake400_stop(&f);

	struct store *st = NULL;
	struct store_rules rules;
	char msg[256];
	store_rules_default(&rules);
	assert_int_equal(store_open(dir, &rules, &st, msg, sizeof msg), BLIPPA_OK);
	assert_int_equal(store_get_sync_status(st, &s), BLIPPA_OK);
	assert_int_equal(s.pending, 2);
	assert_int_equal(s.rejected, 0);
	assert_non_null(strstr(s.last_error, "server answered 400"));
	store_close(st);

	char *once[] = {BLIPPA_SYNC_EXE, "--config", ini, "once", NULL};
	run_ok(once, &out);
	assert_non_null(strstr(out, "pending: 0"));
	free(out);
}

/* The real server's 400 for a malformed event carries Blippa-Protocol and
 * names the event (the contract the kiosk relies on): the event is isolated
 * and rejected locally, the others delivered. Damaged via sqlite3: a
 * negative time (encodable, but out of range for the server's decoder). */
static void test_poison_real_server(void **state)
{
	char dir[128], ini[192], ca[192], db[192], q[256];
	struct sync_report rep;
	struct checkin_result res[3];
	struct store_rejected rej[2];
	size_t n;
	sqlite3 *h = NULL;
	(void)state;

	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	make_kiosk("k-poison", token_a, ca, srv.port, dir, sizeof dir, ini, sizeof ini);
	struct sync_engine *e = engine_for(dir, token_a, ca, srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK); /* roster in */
	const char *who[] = {"P1", "P2", "P4"};
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(store_checkin_participant(sync_engine_store(e), who[i],
							   CHECKIN_NAME, NULL, clock_wall_ms(),
							   &res[i]),
				 BLIPPA_OK);
	snprintf(db, sizeof db, "%s/blippa.db", dir);
	snprintf(q, sizeof q, "UPDATE events SET at_ms = -5 WHERE id = '%s'", res[1].event_id);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_exec(h, q, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(h), 1);
	sqlite3_close(h);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.rejected, 1);
	assert_int_equal(rep.accepted + rep.duplicate, 2);
	assert_int_equal(rep.pending, 0);
	assert_int_equal(store_rejected_events(sync_engine_store(e), rej, 2, &n), BLIPPA_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rej[0].event_id, res[1].event_id);
	assert_non_null(strstr(rej[0].reason, "refused by server"));
	assert_non_null(strstr(rej[0].reason, "events[0].at"));
	sync_engine_close(e);
}

/* `status` reads an existing database only: a wrong data_dir is reported
 * (exit 1, the path named) and nothing is created; `once` creates it (a
 * kiosk not started yet gets its roster) and says so. */
static void test_status_needs_database(void **state)
{
	char dir[128], ini[192], ini2[192], ca[192], url[64], typo[160], *out = NULL,
	    *err = NULL;
	struct stat sb;
	(void)state;

	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	make_kiosk("k-nodb", token_a, ca, srv.port, dir, sizeof dir, ini, sizeof ini);
	snprintf(typo, sizeof typo, "%s/typo", dir);
	snprintf(ini2, sizeof ini2, "%s/typo.ini", dir);
	snprintf(url, sizeof url, "https://127.0.0.1:%d", srv.port);
	write_ini(ini2, typo, url, dir, ca);
	char *status[] = {BLIPPA_SYNC_EXE, "--config", ini2, "status", NULL};
	assert_int_equal(run(status, &out, &err), 1);
	assert_null(strstr(out, "pending events"));
	assert_non_null(strstr(err, "typo/blippa.db"));
	assert_non_null(strstr(err, "no database"));
	free(out);
	free(err);
	assert_int_equal(stat(typo, &sb), -1); /* nothing created */

	char *once[] = {BLIPPA_SYNC_EXE, "--config", ini2, "once", NULL};
	assert_int_equal(run(once, &out, &err), 0);
	assert_non_null(strstr(err, "did not exist; creating a new database"));
	free(out);
	free(err);
	run_ok(status, &out);
	assert_non_null(strstr(out, "pending events:    0"));
	free(out);
}

/* ------------------------------------------------------------ faults */

struct fault_kiosk {
	char dir[128];
	char token[80];
	char facility[8];
	int proxy_port;
	size_t first, count; /* participants [first, first+count) of the run */
	char days[FAULT_DAYS][11];
	size_t duplicates, rounds;
	enum blippa_err last;
};

/* Records count x FAULT_DAYS check-ins, then syncs until nothing is
 * pending (rounds back to back: the backoff delay is the thread's job). */
static void *fault_kiosk_run(void *arg)
{
	struct fault_kiosk *k = arg;
	struct sync_report rep;
	struct checkin_result res;
	char url[64], err[256], pid[70], when[20], fname[140], ftz[70];
	struct sync_options o = {0};
	struct sync_engine *e = NULL;

	snprintf(url, sizeof url, "https://127.0.0.1:%d", k->proxy_port);
	o.server_url = url;
	o.token = k->token;
	char ca[192];
	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	o.ca_file = ca;
	o.data_dir = k->dir;
	o.low_speed_time_s = 5;
	if (sync_engine_open(&o, &e, err, sizeof err) != BLIPPA_OK) {
		k->last = BLIPPA_ERR_CONFIG;
		return NULL;
	}
	/* the roster first (faults may hit it too) */
	for (int i = 0; i < 50; i++) {
		sync_engine_round(e, 0, &rep);
		if (rep.pull == BLIPPA_OK &&
		    store_facility(sync_engine_store(e), pid, sizeof pid, fname, sizeof fname, ftz,
				   sizeof ftz) == BLIPPA_OK &&
		    pid[0])
			break;
	}
	for (int d = 0; d < FAULT_DAYS; d++) {
		int64_t at;
		snprintf(when, sizeof when, "%s 10:05", k->days[d]);
		if (tz_local_to_utc_ms(ZONE, when, &at) != BLIPPA_OK)
			goto out;
		for (size_t i = k->first; i < k->first + k->count; i++) {
			snprintf(pid, sizeof pid, "P%zu", i);
			if (store_checkin_participant(sync_engine_store(e), pid, CHECKIN_NAME, NULL,
						      at, &res) != BLIPPA_OK ||
			    res.outcome != CHECKIN_OK) {
				k->last = BLIPPA_ERR_INVALID;
				goto out;
			}
		}
	}
	for (k->rounds = 0; k->rounds < 400; k->rounds++) {
		k->last = sync_engine_round(e, 0, &rep);
		k->duplicates += rep.duplicate;
		if (rep.push == BLIPPA_OK && rep.pending == 0)
			break;
	}
	k->last = rep.pending == 0 ? BLIPPA_OK : k->last;
out:
	sync_engine_close(e);
	return NULL;
}

static int64_t sql_count(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	int64_t n = -1;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

/* Retention (DESIGN §8): after a round that pushed, synced events older than
 * retention_days are deleted from the kiosk; recent ones and pending ones
 * stay. */
static void test_retention_purge(void **state)
{
	char dir[128], ini[192], ca[192], db[192];
	struct sync_report rep;
	struct checkin_result old_res, new_res;
	int64_t now = clock_wall_ms();
	(void)state;

	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	make_kiosk("k-ret", token_a, ca, srv.port, dir, sizeof dir, ini, sizeof ini);
	snprintf(db, sizeof db, "%s/blippa.db", dir);
	struct sync_engine *e = engine_for(dir, token_a, ca, srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK); /* roster in */
	/* an open-training visit 120 days ago (older than the default 90) and
	 * one today */
	assert_int_equal(store_checkin_participant(sync_engine_store(e), "P1", CHECKIN_LEADER, NULL,
						   now - 120LL * 86400000, &old_res),
			 BLIPPA_OK);
	assert_int_equal(old_res.outcome, CHECKIN_OPEN_TRAINING);
	assert_int_equal(store_checkin_participant(sync_engine_store(e), "P2", CHECKIN_NAME, NULL,
						   now, &new_res),
			 BLIPPA_OK);
	assert_int_equal(sql_count(db, "SELECT count(*) FROM events"), 2);
	/* the purge runs at most hourly per engine: a fresh one purges at once */
	sync_engine_close(e);
	e = engine_for(dir, token_a, ca, srv.port);
	assert_int_equal(sync_engine_round(e, 0, &rep), BLIPPA_OK);
	assert_int_equal(rep.accepted, 2);
	assert_int_equal(sql_count(db, "SELECT count(*) FROM events"), 1);
	char q[160];
	snprintf(q, sizeof q, "SELECT count(*) FROM events WHERE id = '%s'", new_res.event_id);
	assert_int_equal(sql_count(db, q), 1);
	sync_engine_close(e);
}

static void test_faults_10k(void **state)
{
	struct fault_kiosk k[FAULT_KIOSKS];
	struct server fsrv = {0};
	char dir[192], path[256], db[192], *text, pf[192], up[32], ctl[192];
	size_t cap = 1 << 20, o = 0;
	int64_t now = clock_wall_ms();
	pid_t proxy;
	(void)state;

	memset(k, 0, sizeof k);
	/* participants P0..P999 split 334/333/333 over facilities F1..F3 */
	size_t per[FAULT_KIOSKS] = {334, 333, 333}, first = 0;
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		k[i].first = first;
		k[i].count = per[i];
		first += per[i];
		snprintf(k[i].facility, sizeof k[i].facility, "F%d", i + 1);
		for (int d = 0; d < FAULT_DAYS; d++)
			local(now - (int64_t)(FAULT_DAYS - d) * 86400000, k[i].days[d], up);
	}
	assert_int_equal(first * FAULT_DAYS, FAULT_TOTAL);
	char pstart[11], pend[11];
	local(now - 40LL * 86400000, pstart, up);
	local(now + 40LL * 86400000, pend, up);

	snprintf(dir, sizeof dir, "%s/fault-roster", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	text = malloc(cap);
	assert_non_null(text);
#define EMIT(...) (o += (size_t)snprintf(text + o, cap - o, __VA_ARGS__))
#define FLUSH(name)                                                                                \
	do {                                                                                       \
		snprintf(path, sizeof path, "%s/" name, dir);                                      \
		write_file(path, text, 0600);                                                      \
		o = 0;                                                                             \
	} while (0)
	EMIT("facility_id,name,timezone\n");
	for (int i = 0; i < FAULT_KIOSKS; i++)
		EMIT("F%d,Förening %d," ZONE "\n", i + 1, i + 1);
	FLUSH("facilities.csv");
	EMIT("group_id,facility_id,name,period_start,period_end\n");
	for (int i = 0; i < FAULT_KIOSKS; i++)
		EMIT("G%d,F%d,Grupp %d,%s,%s\n", i + 1, i + 1, i + 1, pstart, pend);
	FLUSH("groups.csv");
	EMIT("session_id,group_id,start,end\n");
	for (int i = 0; i < FAULT_KIOSKS; i++)
		for (int d = 0; d < FAULT_DAYS; d++)
			EMIT("S%d-%d,G%d,%s 10:00,%s 11:00\n", i + 1, d, i + 1, k[i].days[d],
			     k[i].days[d]);
	FLUSH("sessions.csv");
	EMIT("participant_id,given_name,family_name,card_uid\n");
	for (size_t p = 0; p < first; p++)
		EMIT("P%zu,Namn%zu,Efternamn,\n", p, p);
	FLUSH("participants.csv");
	EMIT("group_id,participant_id\n");
	for (int i = 0; i < FAULT_KIOSKS; i++)
		for (size_t p = k[i].first; p < k[i].first + k[i].count; p++)
			EMIT("G%d,P%zu\n", i + 1, p);
	FLUSH("members.csv");
	EMIT("leader_id,facility_id,name,card_uid\n");
	FLUSH("leaders.csv");
	free(text);

	snprintf(db, sizeof db, "%s/fault-server.db", base);
	char *init[] = {BLIPPA_SERVER_EXE, "init", "--db", db, NULL};
	run_ok(init, NULL);
	char *imp[] = {BLIPPA_SERVER_EXE, "import", "--db", db, dir, NULL};
	run_ok(imp, NULL);
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		char name[16], *out = NULL;
		snprintf(name, sizeof name, "K%d", i + 1);
		char *add[] = {BLIPPA_SERVER_EXE, "add-kiosk", "--db", db,  "--facility",
			       k[i].facility,	  "--name",    name,   NULL};
		run_ok(add, &out);
		snprintf(k[i].token, sizeof k[i].token, "%.*s", (int)strcspn(out, "\n"), out);
		free(out);
		snprintf(k[i].dir, sizeof k[i].dir, "%s/fk%d", base, i + 1);
		assert_int_equal(mkdir(k[i].dir, 0700), 0);
	}
	/* the server speaks plain HTTP on loopback behind the TLS-terminating
	 * proxy, which holds the test CA's server certificate */
	server_start(&fsrv, db, false);
	snprintf(pf, sizeof pf, "%s/proxy.port", base);
	snprintf(ctl, sizeof ctl, "%s/proxy.log", base);
	snprintf(up, sizeof up, "127.0.0.1:%d", fsrv.port);
	char cert[192], key[192];
	snprintf(cert, sizeof cert, "%s/server.pem", pki);
	snprintf(key, sizeof key, "%s/server-key.pem", pki);
	proxy = fork();
	assert_true(proxy >= 0);
	if (proxy == 0) {
		/* a scripted fault of every kind on the event batches first (the
		 * server processes some batches whose answers are lost: the
		 * retries must come back duplicate), then 30% random faults on
		 * every request */
		execl(FAULTPROXY_EXE, "faultproxy", "--listen", "127.0.0.1:0", "--upstream", up,
		      "--cert", cert, "--key", key, "--port-file", pf, "--log", ctl, "--script",
		      "drop_response@/v1/events,drop_response@/v1/events,cut@/v1/events,"
		      "drop_request@/v1/events,500@/v1/events,429:0@/v1/events,"
		      "garbage@/v1/events,delay:50@/v1/events,drop_response@/v1/events",
		      "--random", "30", "--seed", "42", (char *)NULL);
		_exit(127);
	}
	int64_t deadline = clock_mono_ms() + 10000;
	FILE *f;
	while (!(f = fopen(pf, "r"))) {
		assert_true(clock_mono_ms() < deadline);
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	int pport = 0;
	assert_int_equal(fscanf(f, "%d", &pport), 1);
	fclose(f);

	pthread_t th[FAULT_KIOSKS];
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		k[i].proxy_port = pport;
		assert_int_equal(pthread_create(&th[i], NULL, fault_kiosk_run, &k[i]), 0);
	}
	size_t dups = 0;
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		pthread_join(th[i], NULL);
		print_message("kiosk %d: %zu rounds, %zu duplicates, last %d\n", i + 1, k[i].rounds,
			      k[i].duplicates, k[i].last);
		assert_int_equal(k[i].last, BLIPPA_OK);
		dups += k[i].duplicates;
	}
	kill(proxy, SIGTERM);
	waitpid(proxy, NULL, 0);
	/* what the proxy did: one line per request "N MODE METHOD PATH" */
	{
		static const char *const modes[] = {"pass",  "drop_request", "drop_response",
						    "delay", "cut",	     "500",
						    "429",   "garbage"};
		size_t cnt[8] = {0}, faults = 0, posts_dropped_after = 0;
		char line[512];
		f = fopen(ctl, "r");
		assert_non_null(f);
		while (fgets(line, sizeof line, f)) {
			char mode[32] = "", method[16] = "", path2[128] = "";
			if (sscanf(line, "%*s %31s %15s %127s", mode, method, path2) != 3)
				continue;
			for (size_t m = 0; m < 8; m++)
				if (strcmp(mode, modes[m]) == 0)
					cnt[m]++;
			if (strcmp(mode, "drop_response") == 0 && strcmp(path2, "/v1/events") == 0)
				posts_dropped_after++;
		}
		fclose(f);
		for (size_t m = 1; m < 8; m++)
			faults += cnt[m];
		print_message("proxy: %zu requests passed, %zu faulted (drop_request %zu, "
			      "drop_response %zu [%zu on event batches], delay %zu, cut %zu, "
			      "500 %zu, 429 %zu, garbage %zu)\n",
			      cnt[0], faults, cnt[1], cnt[2], posts_dropped_after, cnt[3], cnt[4],
			      cnt[5], cnt[6], cnt[7]);
		assert_true(faults >= 8);
		assert_true(posts_dropped_after >= 3);
	}
	server_stop(&fsrv);
	assert_true(dups > 0); /* lost answers really happened and were absorbed */

	/* exactly the 10,000 events, each once, each from the right kiosk */
	assert_int_equal(sql_count(db, "SELECT COUNT(*) FROM events"), FAULT_TOTAL);
	assert_int_equal(sql_count(db, "SELECT COUNT(DISTINCT id) FROM events"), FAULT_TOTAL);
	for (int i = 0; i < FAULT_KIOSKS; i++) {
		char kdb[256];
		snprintf(kdb, sizeof kdb, "%.200s/blippa.db", k[i].dir);
		assert_int_equal(sql_count(kdb, "SELECT COUNT(*) FROM events WHERE sync = 1"),
				 (int64_t)(k[i].count * FAULT_DAYS));
	}
	char *exp[] = {BLIPPA_SERVER_EXE, "export", "--db", db, NULL};
	char *out = NULL;
	run_ok(exp, &out);
	size_t present = 0;
	for (char *p = out; (p = strstr(p, ",present,")); p++)
		present++;
	free(out);
	assert_int_equal(present, FAULT_TOTAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_end_to_end),	  cmocka_unit_test(test_roster_not_modified),
	    cmocka_unit_test(test_wrong_ca),	  cmocka_unit_test(test_unauthorised),
	    cmocka_unit_test(test_rejected_kept), cmocka_unit_test(test_retention_purge),
	    cmocka_unit_test(test_proxy_400),	  cmocka_unit_test(test_status_needs_database),
	    cmocka_unit_test(test_poison_real_server),
	    cmocka_unit_test(test_faults_10k),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
