/* SPDX-License-Identifier: MIT */
/* Helpers shared by the sync integration tests (see sync_testutil.h): child
 * processes, the real blippa-server, kiosk directories, the group fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

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
#include "sync_testutil.h"
#include "tz.h"

struct stu_fixture stu;

/* ------------------------------------------------------------ processes */

/* Runs argv, returns its exit status; stdout into *out (malloc'd, may be
 * NULL) and stderr into *errout. */
int stu_run(char *const argv[], char **out, char **errout)
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

void stu_run_ok(char *const argv[], char **out)
{
	char *err = NULL;
	int rc = stu_run(argv, out, &err);
	if (rc != 0)
		fail_msg("%s %s exited %d: %s", argv[0], argv[1], rc, err);
	free(err);
}

/* Starts `blippa-server serve`; waits for its "listening on ...:PORT". */
void stu_server_start(struct stu_server *s, const char *db, bool tls)
{
	char cert[192], key[192];
	int p[2];
	snprintf(cert, sizeof cert, "%s/server.pem", stu.pki);
	snprintf(key, sizeof key, "%s/server-key.pem", stu.pki);
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

void stu_server_stop(struct stu_server *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* ------------------------------------------------------------ fixtures */

void stu_write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

void stu_local(int64_t ms, char date[11], char hhmm[6])
{
	assert_int_equal(tz_utc_ms_to_local(ZONE, ms, date, hhmm), BLIPPA_OK);
}

void stu_write_ini(const char *ini, const char *data_dir, const char *url, const char *tokdir,
		   const char *ca)
{
	char text[1024];
	snprintf(text, sizeof text,
		 "[kiosk]\ndata_dir = %s\n[server]\nurl = %s\ntoken_file = %s/token\n"
		 "ca_file = %s\n[reader]\ndevice = none\n",
		 data_dir, url, tokdir, ca);
	stu_write_file(ini, text, 0600);
}

void stu_make_kiosk(const char *name, const char *token, const char *ca, int port, char *dir,
		    size_t dirlen, char *ini, size_t inilen)
{
	char path[256], text[128], url[64];
	snprintf(dir, dirlen, "%s/%s", stu.base, name);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/token", dir);
	snprintf(text, sizeof text, "%s\n", token);
	stu_write_file(path, text, 0600);
	snprintf(ini, inilen, "%s/kiosk.ini", dir);
	snprintf(url, sizeof url, "https://127.0.0.1:%d", port);
	stu_write_ini(ini, dir, url, dir, ca ? ca : "");
}

struct sync_engine *stu_engine_for(const char *dir, const char *token, const char *ca, int port)
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

/* The HTTPS server with a roster whose session S1 is happening now. */
int stu_setup(void **state)
{
	char dir[192], path[256], text[2048], d0[11], t0[6], d1[11], t1[6];
	int64_t now = clock_wall_ms();
	(void)state;

	snprintf(stu.base, sizeof stu.base, "/tmp/blippa-sync-it.XXXXXX");
	assert_non_null(mkdtemp(stu.base));
	snprintf(stu.pki, sizeof stu.pki, "%s/pki", stu.base);
	char *mk[] = {"/bin/sh", MAKE_TEST_CA, stu.pki, NULL};
	stu_run_ok(mk, NULL);
	snprintf(stu.ca, sizeof stu.ca, "%s/ca.pem", stu.pki);

	snprintf(dir, sizeof dir, "%s/roster", stu.base);
	assert_int_equal(mkdir(dir, 0700), 0);
	stu_local(now - 30 * 60000, d0, t0);
	stu_local(now + 90 * 60000, d1, t1);
	snprintf(path, sizeof path, "%s/facilities.csv", dir);
	stu_write_file(
	    path, "facility_id,name,timezone\nF1,IK Hälsa," ZONE "\nF2,Friskis," ZONE "\n", 0600);
	snprintf(path, sizeof path, "%s/groups.csv", dir);
	snprintf(text, sizeof text,
		 "group_id,facility_id,name,period_start,period_end\nG1,F1,Styrka A,%s,%s\n"
		 "G2,F2,Balans,%s,%s\n",
		 d0, d1, d0, d1);
	stu_write_file(path, text, 0600);
	snprintf(path, sizeof path, "%s/sessions.csv", dir);
	snprintf(text, sizeof text,
		 "session_id,group_id,start,end\nS1,G1,%s %s,%s %s\n"
		 "S2,G2,%s %s,%s %s\n",
		 d0, t0, d1, t1, d0, t0, d1, t1);
	stu_write_file(path, text, 0600);
	snprintf(path, sizeof path, "%s/participants.csv", dir);
	stu_write_file(path,
		       "participant_id,given_name,family_name,card_uid\n"
		       "P1,Åsa,Östberg,04A1B2C3\nP2,Örjan,Ärlig,\nP3,Bo,Ek,\nP4,Eva,Lind,\n"
		       "P9,Sven,Berg,\n",
		       0600);
	snprintf(path, sizeof path, "%s/members.csv", dir);
	stu_write_file(path, "group_id,participant_id\nG1,P1\nG1,P2\nG1,P3\nG1,P4\nG2,P9\n", 0600);
	snprintf(path, sizeof path, "%s/leaders.csv", dir);
	stu_write_file(path, "leader_id,facility_id,name,card_uid\nL1,F1,Kim Lind,04FFEE01\n",
		       0600);

	snprintf(stu.sdb, sizeof stu.sdb, "%s/server.db", stu.base);
	char *init[] = {BLIPPA_SERVER_EXE, "init", "--db", stu.sdb, NULL};
	stu_run_ok(init, NULL);
	char *imp[] = {BLIPPA_SERVER_EXE, "import", "--db", stu.sdb, dir, NULL};
	stu_run_ok(imp, NULL);
	char *add[] = {BLIPPA_SERVER_EXE, "add-kiosk", "--db", stu.sdb, "--facility", "F1",
		       "--name",	  "Kiosk A",   NULL};
	char *out = NULL;
	stu_run_ok(add, &out);
	snprintf(stu.token_a, sizeof stu.token_a, "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	assert_int_equal(strlen(stu.token_a), 64);
	stu_server_start(&stu.srv, stu.sdb, true);
	return 0;
}

int stu_teardown(void **state)
{
	char cmd[128];
	(void)state;
	stu_server_stop(&stu.srv);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", stu.base);
	return system(cmd) == 0 ? 0 : -1;
}

int64_t stu_sql_count(const char *db, const char *sql)
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
