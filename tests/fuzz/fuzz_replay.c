/* SPDX-License-Identifier: MIT */
/* A main() for builds without libFuzzer: runs a harness once over every file
 * given on the command line (directories are walked one level deep). This
 * keeps the seed corpora and every crash reproducer in the normal test suite,
 * including the ASan+UBSan run. Usage: fuzz_X_replay FILE|DIR... */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT (1u << 20) /* inputs larger than this are a mistake */

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n;
	int rc = 1;

	if (!f) {
		perror(path);
		goto out;
	}
	buf = malloc(REPLAY_MAX_INPUT);
	if (!buf)
		goto out;
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "%s: unreadable or larger than %u bytes\n", path, REPLAY_MAX_INPUT);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, n);
	rc = 0;
out:
	free(buf);
	if (f)
		fclose(f);
	return rc;
}

static int replay_dir(const char *dir, unsigned *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat sb;
	int rc = 0;

	if (!d) {
		perror(dir);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		rc |= replay_file(path);
		(*count)++;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	struct stat sb;
	int rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			rc |= replay_dir(argv[i], &count);
		} else {
			rc |= replay_file(argv[i]);
			count++;
		}
	}
	printf("replayed %u inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "no inputs given or found\n");
		return 1;
	}
	return rc;
}
