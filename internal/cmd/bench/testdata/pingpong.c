/*
 * pingpong: the minimal C yardstick for netnotes' benchmark engine.
 *
 * Same experiment as the engine's raw path, with nothing in between:
 * a connection over TRANSPORT (uds, uds-seqpacket, tcp = 127.0.0.1 with
 * TCP_NODELAY), the peer in a fork()ed child, blocking read/write loops,
 * the same warm-up and end-of-stream protocol, the clock read every 16
 * messages. With CPU >= 0 both processes run on that CPU only.
 *
 *   pingpong TRANSPORT roundtrip|stream SIZE SECONDS CPU WARM
 *   prints: msgs N secs S cpu_ns C data_segs D segs_in I cc NAME sndbuf B rcvbuf R
 *
 * With PINGPONG_TURNS=CHUNK (seconds) set, the timed part is taken in
 * turns with another program, as the Go engine's MeasureInTurns does:
 * the client waits for a byte on descriptor 3 before each chunk and
 * writes one to descriptor 4 after it ('r' once warmed up, 'c' after a
 * chunk, 'e' after the last, once the stream has ended and the peer is
 * gone). A chunk is timed alone: its messages (the clock read every 4),
 * then, for a stream, one marked message that the peer answers, so that
 * the peer's CPU time falls within the chunk; S and C sum the chunks.
 *
 * Per message: the client write()s SIZE bytes from one buffer (looping
 * on short writes); a round trip's client then read()s until it has SIZE
 * bytes back, the peer having read()n SIZE bytes and written them back.
 * A stream's peer read()s SIZE bytes per message (several calls when a
 * read returns less), as a receiver that parses messages would, and
 * answers with one byte each message whose first byte is 1 (the last of
 * the warm-up, the last of a turn's chunk; the others start with 7) and
 * the end of the stream. One
 * buffer per process, page-aligned (posix_memalign). Socket buffers:
 * the kernel's defaults (no SO_SNDBUF/SO_RCVBUF); printed: the client's
 * SO_SNDBUF and the peer's SO_RCVBUF as the kernel reports them.
 *
 * C is the CPU time both processes spent in the timed part (this one's
 * from its clock, the child's from /proc/PID/schedstat). D and I are the
 * client socket's TCP_INFO data segments sent and segments received in
 * the timed part, NAME its congestion control (TCP_CONGESTION): the TCP
 * mode (0, 0 and "-" for a UDS). The peer's SO_RCVBUF is read before the
 * fork, on the same socket.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_data_segs_out */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>

static void die(const char *what) { perror(what); exit(1); }

static long read_full(int fd, char *buf, long len) {
	long got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) die("read");
		if (n == 0) return got; /* EOF */
		got += n;
	}
	return got;
}

static void write_full(int fd, const char *buf, long len) {
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) die("write");
		buf += n;
		len -= n;
	}
}

static long long cpu_ns(pid_t child) {
	struct timespec ts;
	long long ns = 0, peer = 0;
	char path[64];
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)child);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld", &peer) != 1) peer = 0;
		fclose(f);
	}
	return ns + peer;
}

/* tcp_counts reads the client's TCP_INFO: data segments sent, segments in. */
static void tcp_counts(int fd, long long *data_segs, long long *segs_in) {
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	memset(&ti, 0, sizeof ti);
	*data_segs = *segs_in = 0;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		*data_segs = ti.tcpi_data_segs_out;
		*segs_in = ti.tcpi_segs_in;
	}
}

/* The first byte of a message the stream's peer answers. */
#define MARK 1

/* One message: a write, and for a round trip the echo read back. */
static void one(int fd, char *buf, long size, int stream) {
	write_full(fd, buf, size);
	if (!stream && read_full(fd, buf, size) != size) die("short echo");
}

/* Turns (PINGPONG_TURNS): the controller's byte arrives on TURN_FD, ours
 * goes out on YIELD_FD. */
#define TURN_FD 3
#define YIELD_FD 4

static void wait_turn(void) {
	char b;
	if (read_full(TURN_FD, &b, 1) != 1) { fprintf(stderr, "pingpong: no turn (the controller is gone)\n"); exit(1); }
}

static void yield(char what) { write_full(YIELD_FD, &what, 1); }

/* This process's CPU time and the peer's (its schedstat, read again at
 * offset 0 each time; -1 when it cannot be opened: then 0). */
static long long self_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long peer_ns(int stat) {
	char b[64];
	ssize_t n = stat < 0 ? -1 : pread(stat, b, sizeof b - 1, 0);
	if (n <= 0) return 0;
	b[n] = 0;
	return atoll(b);
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	if (argc != 7) {
		fprintf(stderr, "usage: %s uds|uds-seqpacket|tcp roundtrip|stream SIZE SECONDS CPU WARM\n", argv[0]);
		return 2;
	}
	const char *transport = argv[1];
	int stream = strcmp(argv[2], "stream") == 0;
	long size = atol(argv[3]);
	double secs = atof(argv[4]);
	int cpu = atoi(argv[5]);
	long warm = atol(argv[6]);
	const char *turns_env = getenv("PINGPONG_TURNS");
	int turns = turns_env != NULL;
	double chunk = turns ? atof(turns_env) : 0;
	if (turns && chunk <= 0) {
		fprintf(stderr, "PINGPONG_TURNS wants the chunk's length in seconds\n");
		return 2;
	}
	if (size < 1 || size > (1 << 20) || secs <= 0) {
		fprintf(stderr, "bad size or seconds\n");
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set)) die("sched_setaffinity");
	}

	int ln, cl, sv, tcp = strcmp(transport, "tcp") == 0;
	char dir[] = "/tmp/nnXXXXXX", path[128];
	if (tcp) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
		socklen_t len = sizeof sa;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((ln = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
		if (bind(ln, (void *)&sa, sizeof sa) || listen(ln, 1)) die("bind/listen");
		if (getsockname(ln, (void *)&sa, &len)) die("getsockname");
		if ((cl = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
		if (connect(cl, (void *)&sa, sizeof sa)) die("connect");
	} else {
		int type = strcmp(transport, "uds-seqpacket") == 0 ? SOCK_SEQPACKET : SOCK_STREAM;
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		if (!mkdtemp(dir)) die("mkdtemp");
		snprintf(path, sizeof path, "%s/bench.sock", dir);
		strcpy(sa.sun_path, path);
		if ((ln = socket(AF_UNIX, type, 0)) < 0) die("socket");
		if (bind(ln, (void *)&sa, sizeof sa) || listen(ln, 1)) die("bind/listen");
		if ((cl = socket(AF_UNIX, type, 0)) < 0) die("socket");
		if (connect(cl, (void *)&sa, sizeof sa)) die("connect");
	}
	if ((sv = accept(ln, NULL, NULL)) < 0) die("accept");
	close(ln);
	if (!tcp) { unlink(path); rmdir(dir); }
	if (tcp) {
		int one = 1;
		setsockopt(cl, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(sv, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}

	int sndbuf = 0, rcvbuf = 0;
	socklen_t optlen = sizeof sndbuf;
	getsockopt(cl, SOL_SOCKET, SO_SNDBUF, &sndbuf, &optlen);
	optlen = sizeof rcvbuf;
	getsockopt(sv, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen);

	/* Page-aligned, as the Go engine's (bench.pageAligned says why). */
	char *buf, ack = '!';
	if (posix_memalign((void **)&buf, 4096, size)) die("posix_memalign");
	memset(buf, 7, size);
	pid_t pid = fork();
	if (pid < 0) die("fork");
	if (pid == 0) { /* the peer */
		close(cl);
		if (turns) { close(TURN_FD); close(YIELD_FD); }
		if (!stream) {
			while (read_full(sv, buf, size) == size) write_full(sv, buf, size);
			_exit(0);
		}
		for (;;) {
			long n = read_full(sv, buf, size);
			if (n < size) { write_full(sv, &ack, 1); _exit(0); }
			if (buf[0] == MARK) write_full(sv, &ack, 1);
		}
	}
	close(sv);

	/* The warm-up; a stream's last message is marked, and the peer's
	 * answer says it has read them all. */
	for (long i = 0; i < warm; i++) {
		if (stream && i == warm - 1) buf[0] = MARK;
		write_full(cl, buf, size);
		buf[0] = 7;
		if (!stream) read_full(cl, buf, size);
	}
	if (stream && warm > 0 && read_full(cl, &ack, 1) != 1) die("warm-up ack");

	long long segs0 = 0, in0 = 0, segs1 = 0, in1 = 0;
	if (tcp) tcp_counts(cl, &segs0, &in0);
	long long msgs = 0, spent = 0;
	double elapsed = 0;
	if (turns) {
		char statpath[64];
		snprintf(statpath, sizeof statpath, "/proc/%d/schedstat", (int)pid);
		int stat = open(statpath, O_RDONLY);
		yield('r');
		for (;;) {
			wait_turn();
			/* The peer's clock first and last, the client's innermost. */
			long long peer0 = peer_ns(stat), self0 = self_ns();
			double start = now();
			do {
				for (int i = 0; i < 4; i++) one(cl, buf, size, stream);
				msgs += 4;
			} while (now() - start < chunk);
			if (stream) {
				buf[0] = MARK;
				write_full(cl, buf, size);
				buf[0] = 7;
				if (read_full(cl, &ack, 1) != 1) die("chunk ack");
				msgs++;
			}
			elapsed += now() - start;
			long long self1 = self_ns(), peer1 = peer_ns(stat);
			spent += self1 - self0 + peer1 - peer0;
			if (elapsed >= secs) break;
			yield('c');
		}
		if (stat >= 0) close(stat);
		if (tcp) tcp_counts(cl, &segs1, &in1);
	} else {
		long long cpu0 = cpu_ns(pid);
		double start = now(), deadline = start + secs;
		for (;;) {
			for (int i = 0; i < 16; i++) one(cl, buf, size, stream);
			msgs += 16;
			if (now() >= deadline) break;
		}
		if (stream) {
			shutdown(cl, SHUT_WR);
			if (read_full(cl, &ack, 1) != 1) die("final ack");
		}
		elapsed = now() - start;
		spent = cpu_ns(pid) - cpu0;
		if (tcp) tcp_counts(cl, &segs1, &in1);
	}
	char cc[32] = "-";
	if (tcp) {
		socklen_t cclen = sizeof cc - 1;
		memset(cc, 0, sizeof cc);
		if (getsockopt(cl, IPPROTO_TCP, TCP_CONGESTION, cc, &cclen) || !cc[0]) strcpy(cc, "?");
	}
	if (turns && stream) {
		shutdown(cl, SHUT_WR);
		if (read_full(cl, &ack, 1) != 1) die("final ack");
	}
	close(cl);
	waitpid(pid, NULL, 0);
	if (turns) yield('e');
	printf("msgs %lld secs %.6f cpu_ns %lld data_segs %lld segs_in %lld cc %s sndbuf %d rcvbuf %d\n",
	       msgs, elapsed, spent, segs1 - segs0, in1 - in0, cc, sndbuf, rcvbuf);
	return 0;
}
