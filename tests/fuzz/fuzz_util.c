/* SPDX-License-Identifier: MIT */
/* Helpers shared by the fuzz harnesses: a private temp directory that is
 * removed at exit, and whole-file writes of the current input. */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir[PATH_MAX]; /* the one global: the harness's temp dir */

static void fuzz_cleanup(void)
{
	DIR *d;
	struct dirent *e;
	char p[PATH_MAX + 256];

	if (!fuzz_dir[0])
		return;
	d = opendir(fuzz_dir);
	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof p, "%s/%s", fuzz_dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(fuzz_dir);
}

const char *fuzz_tmpdir(void)
{
	const char *base;

	if (fuzz_dir[0])
		return fuzz_dir;
	base = getenv("TMPDIR");
	if (!base || !base[0])
		base = "/tmp";
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/blippa-fuzz-XXXXXX", base);
	if (!mkdtemp(fuzz_dir)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_cleanup);
	return fuzz_dir;
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[PATH_MAX + 256];
	size_t done = 0;
	int fd;

	snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("fuzz: open");
		abort();
	}
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0) {
			perror("fuzz: write");
			abort();
		}
		done += (size_t)n;
	}
	close(fd);
	return path;
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
