/* SPDX-License-Identifier: MIT */
/* Tests for the fault proxy itself: each mode does to a real HTTP exchange
 * what it promises (checked on both sides: what the client got and whether
 * the upstream saw the request), and the control FIFO changes modes live. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef FAULTPROXY_EXE
#define FAULTPROXY_EXE "faultproxy"
#endif

#define BODY "0123456789abcdefghij"

static atomic_int upstream_requests;
static int upstream_fd;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Upstream: answers every request with 200 and BODY, keep-alive. */
static void *upstream_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[8192];
	size_t have = 0;
	for (;;) {
		char *end;
		buf[have] = '\0';
		while (!(end = strstr(buf, "\r\n\r\n"))) {
			ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, 0);
			if (r <= 0)
				goto out;
			have += (size_t)r;
			buf[have] = '\0';
		}
		size_t head = (size_t)(end - buf) + 4, body = 0;
		char *cl = strcasestr(buf, "Content-Length:");
		if (cl && cl < end)
			body = (size_t)atoi(cl + 15);
		while (have < head + body) {
			ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, 0);
			if (r <= 0)
				goto out;
			have += (size_t)r;
		}
		atomic_fetch_add(&upstream_requests, 1);
		static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
					   "Content-Length: 20\r\n\r\n" BODY;
		if (send(fd, resp, sizeof resp - 1, MSG_NOSIGNAL) < 0)
			goto out;
		memmove(buf, buf + head + body, have - head - body);
		have -= head + body;
	}
out:
	close(fd);
	return NULL;
}

static void *upstream_main(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(upstream_fd, NULL, NULL);
		pthread_t t;
		if (fd < 0)
			return NULL;
		pthread_create(&t, NULL, upstream_conn, (void *)(intptr_t)fd);
		pthread_detach(t);
	}
}

static int listen_any(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	socklen_t l = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* One request with Connection: close; returns everything read until EOF. */
static size_t exchange(int port, char *out, size_t outlen)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	static const char req[] = "POST /v1/events HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
				  "Content-Length: 5\r\n\r\nhello";
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t n = 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_true(send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1));
	for (;;) {
		ssize_t r = recv(fd, out + n, outlen - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	close(fd);
	return n;
}

struct proxy {
	pid_t pid;
	int port;
	char dir[64], fifo[96];
};

static void proxy_start(struct proxy *p, int up_port, const char *script)
{
	char up[32], pf[96];
	snprintf(p->dir, sizeof p->dir, "/tmp/fpxtest.XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(pf, sizeof pf, "%s/port", p->dir);
	snprintf(p->fifo, sizeof p->fifo, "%s/ctl", p->dir);
	snprintf(up, sizeof up, "127.0.0.1:%d", up_port);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		execl(FAULTPROXY_EXE, "faultproxy", "--listen", "127.0.0.1:0", "--upstream", up,
		      "--port-file", pf, "--control", p->fifo, "--script", script, (char *)NULL);
		_exit(127);
	}
	/* wait for the port file (written atomically once listening) */
	int64_t deadline = now_ms() + 10000;
	FILE *f = NULL;
	while (!(f = fopen(pf, "r"))) {
		assert_true(now_ms() < deadline);
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(fscanf(f, "%d", &p->port), 1);
	fclose(f);
}

static void proxy_stop(struct proxy *p)
{
	char path[128];
	kill(p->pid, SIGTERM);
	waitpid(p->pid, NULL, 0);
	snprintf(path, sizeof path, "%s/port", p->dir);
	unlink(path);
	unlink(p->fifo);
	rmdir(p->dir);
}

static void test_modes(void **state)
{
	struct proxy p;
	char out[4096];
	int up_port, before;
	pthread_t t;
	(void)state;

	upstream_fd = listen_any(&up_port);
	pthread_create(&t, NULL, upstream_main, NULL);
	pthread_detach(t);
	proxy_start(&p, up_port, "pass,drop_request,drop_response,cut,500,429:3,garbage,delay:200");

	before = atomic_load(&upstream_requests);
	exchange(p.port, out, sizeof out);
	assert_non_null(strstr(out, "HTTP/1.1 200 OK"));
	assert_non_null(strstr(out, BODY));
	assert_int_equal(atomic_load(&upstream_requests), before + 1);

	/* drop_request: nothing back, upstream never saw it */
	assert_int_equal(exchange(p.port, out, sizeof out), 0);
	assert_int_equal(atomic_load(&upstream_requests), before + 1);

	/* drop_response: nothing back, but upstream processed it */
	assert_int_equal(exchange(p.port, out, sizeof out), 0);
	assert_int_equal(atomic_load(&upstream_requests), before + 2);

	/* cut: head and half the body */
	exchange(p.port, out, sizeof out);
	assert_non_null(strstr(out, "HTTP/1.1 200 OK"));
	assert_non_null(strstr(out, "0123456789"));
	assert_null(strstr(out, BODY));
	assert_int_equal(atomic_load(&upstream_requests), before + 3);

	exchange(p.port, out, sizeof out);
	assert_memory_equal(out, "HTTP/1.1 500", 12);
	exchange(p.port, out, sizeof out);
	assert_memory_equal(out, "HTTP/1.1 429", 12);
	assert_non_null(strstr(out, "Retry-After: 3\r\n"));
	assert_int_equal(atomic_load(&upstream_requests), before + 3);

	assert_true(exchange(p.port, out, sizeof out) > 0);
	assert_true(memcmp(out, "HTTP/", 5) != 0);

	int64_t t0 = now_ms();
	exchange(p.port, out, sizeof out);
	assert_true(now_ms() - t0 >= 200);
	assert_non_null(strstr(out, BODY));
	assert_int_equal(atomic_load(&upstream_requests), before + 4);

	/* control FIFO: queue a 500 live; poll until a request gets it */
	{
		int fd = open(p.fifo, O_WRONLY);
		assert_true(fd >= 0);
		assert_true(write(fd, "default 500\n", 12) == 12);
		close(fd);
		int64_t deadline = now_ms() + 5000;
		for (;;) {
			exchange(p.port, out, sizeof out);
			if (memcmp(out, "HTTP/1.1 500", 12) == 0)
				break;
			assert_true(now_ms() < deadline);
		}
	}
	proxy_stop(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_modes),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
