/* SPDX-License-Identifier: MIT */
/* Helpers for the tests that drive the real blippa-server binary: run an
 * admin command, start/stop `serve`, one HTTPS request with libcurl
 * (verification ON). Failures are cmocka assertions; see srv_testutil.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "srv_testutil.h"

#define TU_DEADLINE_MS 20000

int64_t tu_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tu_run_v(const char *bin, const char *workdir, const char *in, char **out, char **err,
	     va_list ap)
{
	const char *argv[16] = {bin};
	int argc = 1;
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && argc < 15)
		argv[argc++] = a;
	argv[argc] = NULL;
	char fo[1200], fe[1200], fi[1200];
	snprintf(fo, sizeof(fo), "%s/run.out", workdir);
	snprintf(fe, sizeof(fe), "%s/run.err", workdir);
	snprintf(fi, sizeof(fi), "%s/run.in", workdir);
	tu_write_file(fi, in ? in : "");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int i = open(fi, O_RDONLY), o = open(fo, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		    e = open(fe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(i, 0);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	char *files[2] = {fo, fe};
	char **dst[2] = {out, err};
	for (int k = 0; k < 2; k++) {
		if (!dst[k])
			continue;
		FILE *f = fopen(files[k], "rb");
		assert_non_null(f);
		char *buf = calloc(1, 1 << 20);
		size_t n = fread(buf, 1, (1 << 20) - 1, f);
		buf[n] = '\0';
		fclose(f);
		*dst[k] = buf;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void tu_server_start(struct tu_server *s, const char *const *argv, bool tls)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	s->out_fd = p[0];
	char line[256] = "";
	size_t n = 0;
	int64_t end = tu_now_ms() + TU_DEADLINE_MS;
	while (!strchr(line, '\n')) {
		struct pollfd pfd = {.fd = s->out_fd, .events = POLLIN};
		int left = (int)(end - tu_now_ms());
		assert_true(left > 0);
		if (poll(&pfd, 1, left) <= 0)
			continue;
		ssize_t r = read(s->out_fd, line + n, sizeof(line) - 1 - n);
		assert_true(r > 0);
		n += (size_t)r;
		line[n] = '\0';
	}
	unsigned port = 0;
	assert_int_equal(sscanf(line, "listening on 127.0.0.1:%u", &port), 1);
	assert_true(port > 0);
	snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%u", tls ? "https" : "http", port);
}

int tu_server_stop(struct tu_server *s)
{
	int status = 0;
	kill(s->pid, SIGTERM);
	int64_t end = tu_now_ms() + TU_DEADLINE_MS;
	pid_t r;
	while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && tu_now_ms() < end) {
		struct pollfd pfd = {.fd = -1};
		poll(&pfd, 0, 5); /* re-check the child every 5 ms until the deadline */
	}
	close(s->out_fd);
	if (r != s->pid) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

size_t tu_on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct tu_reply *r = ud;
	size_t add = sz * n;
	char *b = realloc(r->body, r->len + add + 1);
	assert_non_null(b);
	memcpy(b + r->len, p, add);
	r->body = b;
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct tu_reply *r = ud;
	size_t len = sz * n;
	if (len > 6 && strncasecmp(p, "ETag: ", 6) == 0)
		snprintf(r->etag, sizeof(r->etag), "%.*s", (int)(len - 8), p + 6);
	return len;
}

struct tu_reply tu_http_req(const char *base_url, const char *cafile, const char *method,
			    const char *path, const char *token, const char *body, size_t body_len,
			    const char *hdr)
{
	struct tu_reply r = {0};
	char url[512], auth[160];
	CURL *c = curl_easy_init();
	assert_non_null(c);
	struct curl_slist *h = NULL;
	if (!hdr || strncmp(hdr, "Blippa-Protocol", 15) != 0)
		h = curl_slist_append(h, "Blippa-Protocol: 1");
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	if (hdr)
		h = curl_slist_append(h, hdr);
	if (body)
		h = curl_slist_append(h, "Content-Type: application/json");
	snprintf(url, sizeof(url), "%s%s", base_url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tu_on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	r.cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r;
}

/* ---- PKI, region database, commands, pinned clock ---- */

void tu_pki_make(struct tu_pki *p, const char *script, const char *tmp)
{
	char cmd[2200];
	snprintf(p->dir, sizeof(p->dir), "%s/pki", tmp);
	snprintf(p->ca, sizeof(p->ca), "%s/ca.pem", p->dir);
	snprintf(p->cert, sizeof(p->cert), "%s/server.pem", p->dir);
	snprintf(p->key, sizeof(p->key), "%s/server-key.pem", p->dir);
	snprintf(p->other_ca, sizeof(p->other_ca), "%s/other-ca.pem", p->dir);
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", script, p->dir);
	assert_int_equal(system(cmd), 0);
}

void tu_region_db(char *db, size_t len, const char *tmp)
{
	const char *pg = getenv("BLIPPA_PG_URI");
	if (pg)
		snprintf(db, len, "%s", pg);
	else
		snprintf(db, len, "%s/region.db", tmp);
}

int tu_run(const char *bin, const char *workdir, const char *in, char **out, char **err, ...)
{
	va_list ap;
	va_start(ap, err);
	int rc = tu_run_v(bin, workdir, in, out, err, ap);
	va_end(ap);
	return rc;
}

void tu_clock_env(int64_t now_ms)
{
	char off[32];
	snprintf(off, sizeof(off), "%lld", (long long)(now_ms - (int64_t)time(NULL) * 1000));
	setenv("BLIPPA_CLOCK_OFFSET_MS", off, 1);
}

void tu_server_start_at(struct tu_server *s, const char *const *argv, int64_t now_ms)
{
	tu_clock_env(now_ms);
	tu_server_start(s, argv, true);
	unsetenv("BLIPPA_CLOCK_OFFSET_MS");
}
