/* SPDX-License-Identifier: MIT */
/* See kiosk_harness.h. */
#include "kiosk_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef KIOSK_BIN
#error "KIOSK_BIN must name the blippa-kiosk binary"
#endif
#ifndef SHOT_DIR
#define SHOT_DIR "screenshots"
#endif

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(void)
{
	struct timespec ts = {0, 5 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

const char *kh_shot_dir(void)
{
	mkdir(SHOT_DIR, 0755);
	return SHOT_DIR;
}

static bool start_in(struct kh *k, const struct kh_opts *o);

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The offset that puts "now" at the next 10:00 Europe/Stockholm (the
 * kiosks' zone; the demo roster's facility is in it). The next, not today's:
 * a clock earlier than the build (CMake configure time) counts as unsure. */
static long long daytime_pin_offset(void)
{
	const char *old = getenv("TZ");
	char saved[128] = "";
	bool had = old != NULL;
	long long wall = wall_ms();
	time_t t = (time_t)(wall / 1000), target;
	struct tm tm;

	if (had)
		snprintf(saved, sizeof saved, "%s", old);
	setenv("TZ", "Europe/Stockholm", 1);
	tzset();
	localtime_r(&t, &tm);
	if (tm.tm_hour >= 10)
		tm.tm_mday++; /* mktime normalises the month */
	tm.tm_hour = 10;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	target = mktime(&tm);
	if (had)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	return (long long)target * 1000 - wall;
}

long long kh_now_ms(const struct kh *k)
{
	return wall_ms() + k->clock_offset_ms;
}

bool kh_start(struct kh *k, const struct kh_opts *o)
{
	memset(k, 0, sizeof *k);
	{ /* under $TMPDIR like every other test's files, else /tmp */
		const char *tmp = getenv("TMPDIR");
		int n = snprintf(k->dir, sizeof k->dir, "%s/blippa-uitest-XXXXXX",
				 tmp && *tmp ? tmp : "/tmp");
		if (n < 0 || (size_t)n >= sizeof k->dir) {
			fprintf(stderr, "kh_start: TMPDIR path too long\n");
			return false;
		}
	}
	if (!mkdtemp(k->dir))
		return false;
	snprintf(k->ctl, sizeof k->ctl, "%s/control", k->dir);
	snprintf(k->trace, sizeof k->trace, "%s/trace", k->dir);
	snprintf(k->reader, sizeof k->reader, "%s/reader.fifo", k->dir);
	snprintf(k->db, sizeof k->db, "%s/blippa.db", k->dir);
	if (mkfifo(k->ctl, 0600) != 0)
		return false;
	k->clock_offset_ms = daytime_pin_offset();
	return start_in(k, o);
}

bool kh_restart(struct kh *k, const struct kh_opts *o)
{
	struct stat sb;

	if (k->pid > 0)
		return false;
	/* wait for the new start's lines only */
	k->pos = stat(k->trace, &sb) == 0 ? (long)sb.st_size : 0;
	return start_in(k, o);
}

static bool start_in(struct kh *k, const struct kh_opts *o)
{
	char cfg[400], size[32];
	FILE *f;
	struct stat st;
	char extra[32], offset[32];

	snprintf(cfg, sizeof cfg, "%s/kiosk.ini", k->dir);
	f = fopen(cfg, "w");
	if (!f)
		return false;
	fprintf(f,
		"[kiosk]\ndata_dir = %s\nlanguage = %s\nresult_seconds = 2\nidle_seconds = 5\n"
		"undo_seconds = 10\nleader_idle_seconds = 15\nfullscreen = no\n",
		k->dir, o && o->lang ? o->lang : "sv");
	if (o && o->admin_hash)
		fprintf(f, "admin_pin_hash = %s\n", o->admin_hash);
	if (o && o->extra_ini)
		fprintf(f, "%s\n", o->extra_ini);
	if (o && o->reader)
		fprintf(f, "[reader]\ndevice = %s\n", o->reader);
	else
		fprintf(f, "[reader]\ndevice = sim:%s\n", k->reader);
	fclose(f);
	snprintf(size, sizeof size, "%s", o && o->size ? o->size : "1920x1080");
	snprintf(extra, sizeof extra, "%ld", o ? o->demo_extra : 0L);
	if (o && o->clock_offset_ms)
		k->clock_offset_ms = strtoll(o->clock_offset_ms, NULL, 10);
	snprintf(offset, sizeof offset, "%lld", k->clock_offset_ms);

	{
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		k->start_us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	}
	k->pid = fork();
	if (k->pid < 0)
		return false;
	if (k->pid == 0) {
		char errpath[400];
		int fd;
		snprintf(errpath, sizeof errpath, "%s/stderr", k->dir);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		/* headless by default; BLIPPA_TEST_VIDEODRIVER=x11 runs under Xvfb */
		setenv("SDL_VIDEODRIVER",
		       getenv("BLIPPA_TEST_VIDEODRIVER") ? getenv("BLIPPA_TEST_VIDEODRIVER")
							 : "dummy",
		       1);
		setenv("SDL_RENDER_DRIVER", "software", 1);
		setenv("SDL_AUDIODRIVER", o && o->audio_driver ? o->audio_driver : "dummy", 1);
		setenv("BLIPPA_CLOCK_OFFSET_MS", offset, 1);
		if (o && o->no_demo)
			execl(KIOSK_BIN, KIOSK_BIN, "--config", cfg, "--size", size, "--trace",
			      k->trace, "--control", k->ctl, (char *)NULL);
		else
			execl(KIOSK_BIN, KIOSK_BIN, "--config", cfg, "--demo", "--size", size,
			      "--trace", k->trace, "--control", k->ctl, "--demo-participants",
			      extra, (char *)NULL);
		_exit(127);
	}
	/* up when the first home frame is presented */
	if (!kh_wait(k, "present home", 20000, NULL, 0)) {
		char errpath[400], buf[2048];
		size_t n;
		snprintf(errpath, sizeof errpath, "%s/stderr", k->dir);
		f = fopen(errpath, "r");
		n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		buf[n] = '\0';
		if (f)
			fclose(f);
		fprintf(stderr, "kiosk did not start; stderr:\n%s\n", buf);
		return false;
	}
	(void)st;
	return true;
}

void kh_send(struct kh *k, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n, fd;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line - 1)
		return;
	line[n++] = '\n';
	fd = open(k->ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n)
		fprintf(stderr, "kh_send: short write\n");
	close(fd);
}

static bool scan(struct kh *k, const char *needle, char *out, size_t outlen, bool move)
{
	FILE *f = fopen(k->trace, "r");
	char line[1024];
	bool found = false;
	if (!f)
		return false;
	if (move)
		fseek(f, k->pos, SEEK_SET);
	while (fgets(line, sizeof line, f)) {
		if (!strchr(line, '\n'))
			break; /* half a line: not yet written */
		if (move)
			k->pos = ftell(f);
		if (strstr(line, needle)) {
			if (out && outlen)
				snprintf(out, outlen, "%s", line);
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

bool kh_wait(struct kh *k, const char *needle, int timeout_ms, char *line, size_t linelen)
{
	long deadline = now_ms() + timeout_ms;
	long start = k->pos;
	do {
		k->pos = start;
		if (scan(k, needle, line, linelen, true))
			return true;
		nap();
	} while (now_ms() < deadline);
	k->pos = start;
	fprintf(stderr, "kh_wait: no trace line with \"%s\" within %d ms\n", needle, timeout_ms);
	return false;
}

bool kh_seen(struct kh *k, const char *needle)
{
	return scan(k, needle, NULL, 0, false);
}

bool kh_sync(struct kh *k)
{
	char needle[48];
	snprintf(needle, sizeof needle, "echo sync-%d\n", ++k->echo_seq);
	kh_send(k, "echo sync-%d", k->echo_seq);
	return kh_wait(k, needle, 10000, NULL, 0);
}

static int wait_exit(struct kh *k, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	int status = 0;
	while (now_ms() < deadline) {
		pid_t p = waitpid(k->pid, &status, WNOHANG);
		if (p == k->pid) {
			k->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		nap();
	}
	kill(k->pid, SIGKILL);
	waitpid(k->pid, &status, 0);
	k->pid = 0;
	return -1;
}

int kh_stop(struct kh *k)
{
	if (k->pid <= 0)
		return -1;
	kh_send(k, "quit");
	return wait_exit(k, 10000);
}

int kh_term(struct kh *k)
{
	if (k->pid <= 0)
		return -1;
	kill(k->pid, SIGTERM);
	return wait_exit(k, 10000);
}

int kh_count(struct kh *k, const char *where)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char sql[512];
	int n = -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE %s", where);
	if (sqlite3_open_v2(k->db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	else
		fprintf(stderr, "kh_count: %s\n", db ? sqlite3_errmsg(db) : "open failed");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

long long kh_query(struct kh *k, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;
	if (sqlite3_open_v2(k->db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	else
		fprintf(stderr, "kh_query: %s\n", db ? sqlite3_errmsg(db) : "open failed");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

void kh_reader_tap(struct kh *k, const char *hex)
{
	long deadline = now_ms() + 5000;
	int fd = -1;
	while (fd < 0 && now_ms() < deadline) {
		fd = open(k->reader, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			nap();
	}
	if (fd < 0) {
		fprintf(stderr, "kh_reader_tap: cannot open %s: %s\n", k->reader, strerror(errno));
		return;
	}
	dprintf(fd, "%s\n", hex);
	close(fd);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void kh_cleanup(struct kh *k)
{
	if (k->pid > 0)
		kh_term(k);
	if (k->dir[0] && !getenv("BLIPPA_KEEP_TEST_DIRS"))
		nftw(k->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int kh_setup_default(void **state)
{
	static struct kh k;
	if (!kh_start(&k, NULL))
		return -1;
	*state = &k;
	return 0;
}

bool kh_find_button(struct kh *k, const char *prefix, char *name, size_t namelen)
{
	char needle[96], line[1024];
	kh_send(k, "buttons");
	snprintf(needle, sizeof needle, "button-at %s", prefix);
	if (!kh_wait(k, needle, 5000, line, sizeof line))
		return false;
	{
		const char *p = strstr(line, "button-at ") + 10;
		size_t n = strcspn(p, " ");
		snprintf(name, namelen, "%.*s", (int)n, p);
	}
	return kh_sync(k);
}

bool kh_event_id(const char *line, char *id, size_t idlen)
{
	const char *p = strstr(line, "checkin ");
	size_t n;
	if (!p)
		return false;
	p += 8;
	n = strcspn(p, " \n");
	if (n != 36 || n >= idlen)
		return false;
	memcpy(id, p, n);
	id[n] = '\0';
	return true;
}

bool kh_button_centre(struct kh *k, const char *name, int *x, int *y)
{
	char needle[96], line[1024];
	int bx, by, bw, bh;
	kh_send(k, "buttons");
	snprintf(needle, sizeof needle, "button-at %s ", name);
	if (!kh_wait(k, needle, 5000, line, sizeof line) ||
	    sscanf(strstr(line, needle) + strlen(needle), "%d %d %d %d", &bx, &by, &bw, &bh) != 4)
		return false;
	*x = bx + bw / 2;
	*y = by + bh / 2;
	return kh_sync(k);
}
