/* SPDX-License-Identifier: MIT */
/* Sync benchmarks against the real blippa-server over HTTPS on 127.0.0.1
 * (test CA made at run time), figures in docs/perf-sync.md:
 *   sync_drain_100k_s   100,000 queued check-ins from one kiosk, from the
 *                       first round to nothing pending (rounds back to back)
 *   roster_pull_10k_ms  full roster pull of a 10,000-participant facility
 *                       (GET 200, decode, validate, store replace)
 *   roster_pull_304_ms  the same pull when unchanged (GET 304)
 * The 100,000 events are written straight into the kiosk's events table in
 * one transaction (the store API commits each check-in with a full fsync,
 * which is the point for a real tap but would make the setup take minutes);
 * they are the rows store_checkin_participant would write.
 * Usage: bench_sync [reps]   (drain repetitions, default 3)
 * Prints "BENCH <name> <value> <unit>" (median), plus _p99 and _max lines. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "store.h"
#include "tz.h"
#include "uuid.h"

#define ZONE "Europe/Stockholm"
#define DRAIN_EVENTS 100000
#define DRAIN_PARTICIPANTS 1000
#define DRAIN_DAYS 100
#define ROSTER_PARTICIPANTS 10000

static char base[64], pki[128];
static pid_t live_server; /* killed by die() so no server outlives us */

static void die(const char *what)
{
	fprintf(stderr, "bench_sync: %s\n", what);
	if (live_server > 0) {
		kill(live_server, SIGTERM);
		waitpid(live_server, NULL, 0);
	}
	exit(1);
}

static int run_cmd(char *const argv[], char *out, size_t outlen)
{
	int p[2], status = -1;
	size_t n = 0;
	if (pipe(p) != 0)
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char tmp[1024];
		ssize_t r = read(p[0], tmp, sizeof tmp);
		if (r <= 0)
			break;
		if (out && n + (size_t)r < outlen) {
			memcpy(out + n, tmp, (size_t)r);
			n += (size_t)r;
		}
	}
	if (out && outlen)
		out[n] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die("cannot write a CSV file");
}

static void local_date(int64_t ms, char date[11])
{
	if (tz_utc_ms_to_local(ZONE, ms, date, NULL) != BLIPPA_OK)
		die("tz");
}

/* Roster CSVs: F1 (drain: 1000 participants, 100 daily sessions) and F2
 * (roster pull: 10,000 participants with cards, 10 sessions). */
static void make_roster(const char *dir, char days[DRAIN_DAYS][11])
{
	size_t cap = 4u << 20, o = 0;
	char *t = malloc(cap), ps[11], pe[11];
	int64_t now = clock_wall_ms();
	if (!t)
		die("oom");
	for (int d = 0; d < DRAIN_DAYS; d++)
		local_date(now - (int64_t)(DRAIN_DAYS - d) * 86400000, days[d]);
	local_date(now - 120LL * 86400000, ps);
	local_date(now + 30LL * 86400000, pe);
#define EMIT(...) (o += (size_t)snprintf(t + o, cap - o, __VA_ARGS__))
	EMIT("facility_id,name,timezone\nF1,Drain," ZONE "\nF2,Roster," ZONE "\n");
	write_text(dir, "facilities.csv", t), o = 0;
	EMIT("group_id,facility_id,name,period_start,period_end\nG1,F1,G,%s,%s\nG2,F2,G,%s,%s\n",
	     ps, pe, ps, pe);
	write_text(dir, "groups.csv", t), o = 0;
	EMIT("session_id,group_id,start,end\n");
	for (int d = 0; d < DRAIN_DAYS; d++)
		EMIT("S1-%d,G1,%s 10:00,%s 11:00\n", d, days[d], days[d]);
	for (int d = DRAIN_DAYS - 10; d < DRAIN_DAYS; d++)
		EMIT("S2-%d,G2,%s 12:00,%s 13:00\n", d, days[d], days[d]);
	write_text(dir, "sessions.csv", t), o = 0;
	EMIT("participant_id,given_name,family_name,card_uid\n");
	for (int p = 0; p < DRAIN_PARTICIPANTS; p++)
		EMIT("A%d,Anna%d,Andersson,\n", p, p);
	for (int p = 0; p < ROSTER_PARTICIPANTS; p++)
		EMIT("B%d,Björn%d,Östlund,04%06X\n", p, p, p);
	write_text(dir, "participants.csv", t), o = 0;
	EMIT("group_id,participant_id\n");
	for (int p = 0; p < DRAIN_PARTICIPANTS; p++)
		EMIT("G1,A%d\n", p);
	for (int p = 0; p < ROSTER_PARTICIPANTS; p++)
		EMIT("G2,B%d\n", p);
	write_text(dir, "members.csv", t), o = 0;
	EMIT("leader_id,facility_id,name,card_uid\nL1,F2,Kim Lind,04FFEE01\n");
	write_text(dir, "leaders.csv", t);
	free(t);
}

struct server {
	pid_t pid;
	int port;
	char db[192], tok_f1[80], tok_f2[80];
};

static void server_up(struct server *s, const char *roster_dir, int n)
{
	char out[512], cert[192], key[192];
	snprintf(s->db, sizeof s->db, "%s/server-%d.db", base, n);
	char *init[] = {BLIPPA_SERVER_EXE, "init", "--db", s->db, NULL};
	char *imp[] = {BLIPPA_SERVER_EXE, "import", "--db", s->db, (char *)roster_dir, NULL};
	if (run_cmd(init, NULL, 0) || run_cmd(imp, NULL, 0))
		die("server init/import failed");
	char *add1[] = {BLIPPA_SERVER_EXE, "add-kiosk", "--db", s->db, "--facility", "F1",
			"--name",	   "K1",	NULL};
	char *add2[] = {BLIPPA_SERVER_EXE, "add-kiosk", "--db", s->db, "--facility", "F2",
			"--name",	   "K2",	NULL};
	if (run_cmd(add1, out, sizeof out))
		die("add-kiosk");
	snprintf(s->tok_f1, sizeof s->tok_f1, "%.64s", out);
	if (run_cmd(add2, out, sizeof out))
		die("add-kiosk");
	snprintf(s->tok_f2, sizeof s->tok_f2, "%.64s", out);
	snprintf(cert, sizeof cert, "%s/server.pem", pki);
	snprintf(key, sizeof key, "%s/server-key.pem", pki);
	int p[2];
	if (pipe(p) != 0)
		die("pipe");
	s->pid = fork();
	if (s->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(BLIPPA_SERVER_EXE, "blippa-server", "serve", "--db", s->db, "--listen",
		      "127.0.0.1:0", "--cert", cert, "--key", key, (char *)NULL);
		_exit(127);
	}
	live_server = s->pid;
	close(p[1]);
	size_t n2 = 0;
	struct pollfd pf = {p[0], POLLIN, 0};
	out[0] = '\0';
	while (!strchr(out, '\n')) {
		if (poll(&pf, 1, 20000) <= 0)
			die("server did not start");
		ssize_t r = read(p[0], out + n2, sizeof out - 1 - n2);
		if (r <= 0)
			die("server did not start");
		n2 += (size_t)r;
		out[n2] = '\0';
	}
	close(p[0]);
	*strchr(out, '\n') = '\0';
	s->port = atoi(strrchr(out, ':') + 1);
}

static void server_down(struct server *s)
{
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	live_server = 0;
}

static struct sync_engine *engine(const char *name, const char *token, int port, char *dir,
				  size_t dirlen)
{
	struct sync_options o = {0};
	struct sync_engine *e = NULL;
	char url[64], ca[192], err[256];
	snprintf(dir, dirlen, "%s/%s", base, name);
	if (mkdir(dir, 0700) != 0)
		die("mkdir kiosk");
	snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
	snprintf(ca, sizeof ca, "%s/ca.pem", pki);
	o.server_url = url;
	o.token = token;
	o.ca_file = ca;
	o.data_dir = dir;
	if (sync_engine_open(&o, &e, err, sizeof err) != BLIPPA_OK)
		die(err);
	return e;
}

/* The rows store_checkin_participant writes, 100,000 of them in one go. */
static void queue_events(const char *dir, char days[DRAIN_DAYS][11])
{
	char path[256], id[UUID_STR_LEN], pid[16], sid[16], when[20];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	snprintf(path, sizeof path, "%s/blippa.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO events(id, type, at_ms, local_date, method, "
			       "participant_id, session_id, kiosk_id, sync) "
			       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 'bench', ?8)",
			       -1, &st, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db));
	for (int d = 0; d < DRAIN_DAYS; d++) {
		int64_t at;
		snprintf(when, sizeof when, "%.10s 10:05", days[d]);
		if (tz_local_to_utc_ms(ZONE, when, &at) != BLIPPA_OK)
			die("tz");
		snprintf(sid, sizeof sid, "S1-%d", d);
		for (int p = 0; p < DRAIN_PARTICIPANTS; p++) {
			snprintf(pid, sizeof pid, "A%d", p);
			uuid7_make(at + p, id);
			sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 2, EVENT_CHECKIN);
			sqlite3_bind_int64(st, 3, at + p);
			sqlite3_bind_text(st, 4, days[d], -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 5, CHECKIN_NAME);
			sqlite3_bind_text(st, 6, pid, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 7, sid, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 8, EVENT_PENDING);
			if (sqlite3_step(st) != SQLITE_DONE)
				die(sqlite3_errmsg(db));
			sqlite3_reset(st);
		}
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die(sqlite3_errmsg(db));
	sqlite3_close(db);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, size_t n, const char *unit)
{
	qsort(v, n, sizeof *v, cmp_d);
	size_t p99 = (size_t)((double)(n - 1) * 0.99 + 0.5);
	printf("BENCH %s %.3f %s\n", name, v[n / 2], unit);
	printf("BENCH %s_p99 %.3f %s\n", name, v[p99], unit);
	printf("BENCH %s_max %.3f %s\n", name, v[n - 1], unit);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 3;
	static char days[DRAIN_DAYS][11];
	char roster_dir[128], dir[192], err[256];
	double drain[16], full[20], nm[50];
	struct sync_report rep;

	if (reps < 1 || reps > 16) {
		fprintf(stderr, "usage: bench_sync [reps 1..16]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(base, sizeof base, "/tmp/blippa-bench-sync.XXXXXX");
	if (!mkdtemp(base))
		die("mkdtemp");
	snprintf(pki, sizeof pki, "%s/pki", base);
	char *mk[] = {"/bin/sh", MAKE_TEST_CA, pki, NULL};
	if (run_cmd(mk, NULL, 0))
		die("make-test-ca.sh failed");
	snprintf(roster_dir, sizeof roster_dir, "%s/roster", base);
	if (mkdir(roster_dir, 0700) != 0)
		die("mkdir");
	make_roster(roster_dir, days);

	/* drain: a fresh server database and kiosk per repetition */
	for (int r = 0; r < reps; r++) {
		struct server s;
		char name[32];
		server_up(&s, roster_dir, r);
		snprintf(name, sizeof name, "drain-%d", r);
		struct sync_engine *e = engine(name, s.tok_f1, s.port, dir, sizeof dir);
		if (sync_engine_round(e, 0, &rep) != BLIPPA_OK) /* roster in, queue empty */
			die(rep.error);
		queue_events(dir, days);
		int64_t t0 = clock_mono_us();
		int rounds = 0;
		do {
			if (sync_engine_round(e, 0, &rep) != BLIPPA_OK && rep.push != BLIPPA_OK)
				die(rep.error);
		} while (rep.pending > 0 && ++rounds < 20);
		double secs = (double)(clock_mono_us() - t0) / 1e6;
		if (rep.pending != 0 || rep.accepted + rep.duplicate == 0)
			die("drain did not finish");
		fprintf(stderr, "drain %d: %.3f s (%d rounds)\n", r, secs, rounds + 1);
		drain[r] = secs;
		sync_engine_close(e);
		server_down(&s);
	}
	report("sync_drain_100k_s", drain, (size_t)reps, "s");

	/* roster pulls against one server */
	{
		struct server s;
		bool updated;
		server_up(&s, roster_dir, 99);
		struct sync_engine *e = engine("pull", s.tok_f2, s.port, dir, sizeof dir);
		struct roster *tiny = roster_new();
		if (!tiny || roster_set_facility(tiny, "F2", "Roster", ZONE) != BLIPPA_OK)
			die("roster");
		for (int i = 0; i < 20; i++) {
			/* forget the ETag: the next pull is a full one */
			if (store_replace_roster(sync_engine_store(e), tiny, err, sizeof err))
				die(err);
			int64_t t0 = clock_mono_us();
			if (sync_engine_pull_roster(e, &updated, err, sizeof err) || !updated)
				die(err);
			full[i] = (double)(clock_mono_us() - t0) / 1000.0;
		}
		for (int i = 0; i < 50; i++) {
			int64_t t0 = clock_mono_us();
			if (sync_engine_pull_roster(e, &updated, err, sizeof err) || updated)
				die("304 expected");
			nm[i] = (double)(clock_mono_us() - t0) / 1000.0;
		}
		roster_free(tiny);
		sync_engine_close(e);
		server_down(&s);
	}
	report("roster_pull_10k_ms", full, 20, "ms");
	report("roster_pull_304_ms", nm, 50, "ms");

	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : 1;
}
