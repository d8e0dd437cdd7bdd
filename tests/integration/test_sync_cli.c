/* SPDX-License-Identifier: MIT */
/* The blippa-sync program against the REAL blippa-server over HTTPS on
 * 127.0.0.1 with a CA made at test time (tests/helpers/make-test-ca.sh;
 * fixture and helpers in tests/helpers/sync_testutil.c):
 *  - end to end: import CSVs -> add-kiosk -> `blippa-sync once` pulls the
 *    roster -> check-ins through the store -> `blippa-sync once` ->
 *    `blippa-server export` shows them present; `blippa-sync status`;
 *  - an unknown token: "not authorised", exit 1, nothing marked;
 *  - an event the server rejects is kept, shown by `status`, and not sent
 *    again;
 *  - a proxy answering 400 to everything: `once` exits 1, nothing rejected;
 *  - `status` refuses a data_dir without a database; `once` creates it.
 * The engine-level tests are in test_sync.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "store.h"
#include "sync_testutil.h"

/* How many events in st wait to be sent. */
static int64_t pending_of(struct store *st)
{
	struct store_sync_status s;
	assert_int_equal(store_get_sync_status(st, &s), BLIPPA_OK);
	return s.pending;
}

/* ------------------------------------------------------------ tests */

static void test_end_to_end(void **state)
{
	char dir[128], ini[192], *out = NULL;
	struct store *st = NULL;
	struct store_rules rules;
	struct checkin_result res;
	char err[256], fid[70], fname[140], ftz[70];
	static const uint8_t uid[] = {0x04, 0xA1, 0xB2, 0xC3};
	(void)state;

	stu_make_kiosk("k-e2e", stu.token_a, stu.ca, stu.srv.port, dir, sizeof dir, ini,
		       sizeof ini);
	char *once[] = {BLIPPA_SYNC_EXE, "--config", ini, "once", NULL};
	stu_run_ok(once, &out);
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

	stu_run_ok(once, &out);
	assert_non_null(strstr(out, "sent 2 events: 2 accepted"));
	assert_non_null(strstr(out, "roster: unchanged"));
	free(out);

	char *exp[] = {BLIPPA_SERVER_EXE, "export", "--db", stu.sdb, "--facility", "F1", NULL};
	stu_run_ok(exp, &out);
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
	stu_run_ok(status, &out);
	assert_non_null(strstr(out, "pending events:    0"));
	assert_non_null(strstr(out, "kiosk id:          k-"));
	assert_non_null(strstr(out, "last error:        -"));
	assert_null(strstr(out, stu.token_a)); /* never print the token */
	free(out);
}

static void test_unauthorised(void **state)
{
	char dir[128], ini[192], *out = NULL, *err = NULL;
	(void)state;
	stu_make_kiosk("k-401", "00000000000000000000000000000000000000000000000000000000deadbeef",
		       stu.ca, stu.srv.port, dir, sizeof dir, ini, sizeof ini);
	char *once[] = {BLIPPA_SYNC_EXE, "--config", ini, "once", NULL};
	assert_int_equal(stu_run(once, &out, &err), 1);
	assert_non_null(strstr(err, "HTTP 401"));
	free(out);
	free(err);
	char *status[] = {BLIPPA_SYNC_EXE, "--config", ini, "status", NULL};
	stu_run_ok(status, &out);
	assert_non_null(strstr(out, "NO (kiosk not authorised)"));
	free(out);
}

/* The kiosk's roster knows a participant the server does not: the check-in
 * is rejected, kept, shown by `status`, and never sent again. */
static void test_rejected_kept(void **state)
{
	char dir[128], ini[192], *out = NULL, err[256];
	struct sync_report rep;
	struct checkin_result res;
	struct store_rejected rej[2];
	size_t n;
	int64_t now = clock_wall_ms();
	char d0[11], t0[6], d1[11], t1[6], s0[20], s1[20];
	(void)state;

	stu_make_kiosk("k-rej", stu.token_a, stu.ca, stu.srv.port, dir, sizeof dir, ini,
		       sizeof ini);
	struct sync_engine *e = stu_engine_for(dir, stu.token_a, stu.ca, stu.srv.port);
	struct roster *r = roster_new();
	stu_local(now - 30 * 60000, d0, t0);
	stu_local(now + 90 * 60000, d1, t1);
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
	stu_run_ok(status, &out);
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

/* Every answer is a proxy's 400: `blippa-sync once` exits 1 and says why,
 * every event stays pending, none is marked rejected; through the real
 * server afterwards they all go out. */
static void test_proxy_400(void **state)
{
	char dir[128], ini[192], ini400[192], url[64], *out = NULL, *err = NULL;
	struct sync_report rep;
	struct checkin_result res;
	struct store_sync_status s;
	struct fake400 f;
	(void)state;

	stu_make_kiosk("k-400", stu.token_a, stu.ca, stu.srv.port, dir, sizeof dir, ini,
		       sizeof ini);
	struct sync_engine *e = stu_engine_for(dir, stu.token_a, stu.ca, stu.srv.port);
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
	stu_write_ini(ini400, dir, url, dir, "");
	char *once400[] = {BLIPPA_SYNC_EXE, "--config", ini400, "once", NULL};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(stu_run(once400, &out, &err), 1);
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
	stu_run_ok(once, &out);
	assert_non_null(strstr(out, "pending: 0"));
	free(out);
}

/* `status` reads an existing database only: a wrong data_dir is reported
 * (exit 1, the path named) and nothing is created; `once` creates it (a
 * kiosk not started yet gets its roster) and says so. */
static void test_status_needs_database(void **state)
{
	char dir[128], ini[192], ini2[192], url[64], typo[160], *out = NULL, *err = NULL;
	struct stat sb;
	(void)state;

	stu_make_kiosk("k-nodb", stu.token_a, stu.ca, stu.srv.port, dir, sizeof dir, ini,
		       sizeof ini);
	snprintf(typo, sizeof typo, "%s/typo", dir);
	snprintf(ini2, sizeof ini2, "%s/typo.ini", dir);
	snprintf(url, sizeof url, "https://127.0.0.1:%d", stu.srv.port);
	stu_write_ini(ini2, typo, url, dir, stu.ca);
	char *status[] = {BLIPPA_SYNC_EXE, "--config", ini2, "status", NULL};
	assert_int_equal(stu_run(status, &out, &err), 1);
	assert_null(strstr(out, "pending events"));
	assert_non_null(strstr(err, "typo/blippa.db"));
	assert_non_null(strstr(err, "no database"));
	free(out);
	free(err);
	assert_int_equal(stat(typo, &sb), -1); /* nothing created */

	char *once[] = {BLIPPA_SYNC_EXE, "--config", ini2, "once", NULL};
	assert_int_equal(stu_run(once, &out, &err), 0);
	assert_non_null(strstr(err, "did not exist; creating a new database"));
	free(out);
	free(err);
	stu_run_ok(status, &out);
	assert_non_null(strstr(out, "pending events:    0"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_end_to_end),
	    cmocka_unit_test(test_unauthorised),
	    cmocka_unit_test(test_rejected_kept),
	    cmocka_unit_test(test_proxy_400),
	    cmocka_unit_test(test_status_needs_database),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, stu_setup, stu_teardown);
}
