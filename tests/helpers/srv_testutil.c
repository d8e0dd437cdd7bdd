/* SPDX-License-Identifier: MIT */
/* Helpers for the blippa-server tests; see srv_testutil.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "srv_testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "export.h"

static void die(const char *what)
{
	fprintf(stderr, "srv_testutil: %s\n", what);
	abort();
}

char *tu_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[512];
	snprintf(tmpl, sizeof(tmpl), "%s/blippa-srv-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpl))
		die("mkdtemp");
	return strdup(tmpl);
}

void tu_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char p[1024];
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		struct stat stt;
		if (lstat(p, &stt) == 0 && S_ISDIR(stt.st_mode))
			tu_rmtree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void copy_dir(const char *from, const char *to)
{
	DIR *d = opendir(from);
	if (!d)
		die(from);
	struct dirent *e;
	char src[1024], dst[1024], buf[8192];
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(src, sizeof(src), "%s/%s", from, e->d_name);
		snprintf(dst, sizeof(dst), "%s/%s", to, e->d_name);
		FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
		if (!in || !out)
			die(src);
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			if (fwrite(buf, 1, n, out) != n)
				die(dst);
		fclose(in);
		fclose(out);
	}
	closedir(d);
}

char *tu_roster_dir(const char *dir, const char *name, const char *overlay)
{
	char path[1024], src[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdir(path, 0700) != 0)
		die(path);
	snprintf(src, sizeof(src), "%s/roster", TEST_DATA_DIR);
	copy_dir(src, path);
	if (overlay) {
		snprintf(src, sizeof(src), "%s/%s", TEST_DATA_DIR, overlay);
		copy_dir(src, path);
	}
	return strdup(path);
}

char *tu_export(struct srv_store *st, const struct srv_export_filter *f)
{
	struct srv_export_filter all = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		die("open_memstream");
	if (export_write_csv(st, f ? f : &all, out) != BLIPPA_OK)
		die("export");
	fclose(out);
	return buf;
}

void tu_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		die(path);
	close(fd);
}

char *tu_subst(const char *s, const char *k)
{
	size_t cap = strlen(s) * 2 + 64 * strlen(k) + 1, o = 0;
	char *out = malloc(cap);
	if (!out)
		die("oom");
	for (const char *p = s; *p;) {
		if (strncmp(p, "{K}", 3) == 0) {
			o += (size_t)snprintf(out + o, cap - o, "%s", k);
			p += 3;
		} else {
			out[o++] = *p++;
		}
		if (o + strlen(k) + 2 >= cap)
			die("tu_subst: too long");
	}
	out[o] = '\0';
	return out;
}

struct srv_store *tu_store_open(char **tmp, char *db, size_t dblen)
{
	struct srv_store *st = NULL;
	char err[512];
	assert_int_equal(auth_init(), BLIPPA_OK);
	*tmp = tu_mkdtemp();
	snprintf(db, dblen, "%s/region.db", *tmp);
	assert_int_equal(srv_store_open(db, true, &st, err, sizeof(err)), BLIPPA_OK);
	return st;
}

void tu_store_close(struct srv_store *st, char *tmp)
{
	srv_store_close(st);
	tu_rmtree(tmp);
	free(tmp);
}
