/*
 * probe is what the enforcing guest's containers run (see package vmtest):
 * one access per run, with an exit status that says whether the kernel
 * allowed it, so a check asks nothing of a shell's error handling.
 *
 *   probe read PATH        open PATH and read from it
 *   probe write PATH       create or truncate PATH and write to it
 *   probe open PATH        open PATH for reading, read nothing (devices)
 *   probe bind tcp|udp N   bind port N on 127.0.0.1
 *   probe settime          set the clock to what it reads (CAP_SYS_TIME)
 *
 * With -l before the access, it first prints "label: " and what
 * /proc/self/attr/current holds, the kernel's name for its confinement
 * (the AppArmor profile and mode, under AppArmor).
 *
 * It exits 0 when the access succeeds and 1 when it fails, saying why on
 * standard error; 2 for a usage error. It is C, built static, because a
 * Go program's runtime reads its cgroup's CPU limit as it starts: a
 * denial that no check is about.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "probe: %s: %s\n", what, strerror(errno));
	return 1;
}

static int usage(void)
{
	fputs("usage: probe [-l] read|write|open PATH | bind tcp|udp PORT | settime\n", stderr);
	return 2;
}

/* label prints the process's confinement, as the kernel names it. */
static int label(void)
{
	char buf[256];
	int fd = open("/proc/self/attr/current", O_RDONLY);
	if (fd < 0)
		return fail("open /proc/self/attr/current");
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n < 0)
		return fail("read /proc/self/attr/current");
	close(fd);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	printf("label: %s\n", buf);
	return fflush(stdout) == EOF ? fail("write") : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "-l") == 0) {
		if (label() != 0)
			return 1;
		argc--;
		argv++;
	}
	if (argc == 3 && strcmp(argv[1], "read") == 0) {
		char buf[64];
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return fail("open");
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0)
			return fail("read");
		printf("%zd bytes\n", n);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "write") == 0) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return fail("open");
		if (write(fd, "probe\n", 6) != 6)
			return fail("write");
		return close(fd) < 0 ? fail("close") : 0;
	}
	if (argc == 3 && strcmp(argv[1], "open") == 0) {
		int fd = open(argv[2], O_RDONLY | O_NONBLOCK);
		if (fd < 0)
			return fail("open");
		return close(fd) < 0 ? fail("close") : 0;
	}
	if (argc == 4 && strcmp(argv[1], "bind") == 0) {
		int type = strcmp(argv[2], "tcp") == 0 ? SOCK_STREAM : strcmp(argv[2], "udp") == 0 ? SOCK_DGRAM : -1;
		long port = strtol(argv[3], NULL, 10);
		if (type < 0 || port <= 0 || port > 65535)
			return usage();
		int s = socket(AF_INET, type, 0);
		if (s < 0)
			return fail("socket");
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(s, (struct sockaddr *)&a, sizeof a) < 0)
			return fail("bind");
		return close(s) < 0 ? fail("close") : 0;
	}
	if (argc == 2 && strcmp(argv[1], "settime") == 0) {
		struct timeval tv;
		if (gettimeofday(&tv, NULL) < 0)
			return fail("gettimeofday");
		return settimeofday(&tv, NULL) < 0 ? fail("settimeofday") : 0;
	}
	return usage();
}
