/*
 * ckit-monitor: one tiny process per container, in the spirit of conmon. It outlives the `ckit` that started it,
 * holds the container's stdio, writes docker's json-file logs with size rotation, records the exit code in a state
 * file, applies the restart policy, serves `ckit attach` over a unix socket and proxies published ports.
 *
 * It is C with static buffers and no allocation in the steady state so that a thousand of them fit in the density
 * budget (1 MiB of host memory per container).
 */
#ifndef CKIT_MONITOR_H
#define CKIT_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LINE_MAX_BYTES 16384

/* json-file log writer with rotation (log.c). */
struct logfile {
  const char *path;
  int fd;
  long long size;
  long long max_size; /* 0: unlimited */
  int max_files;      /* files kept, the current one included */
  char partial[2][LINE_MAX_BYTES];
  size_t partial_len[2];
};

int log_open(struct logfile *lf, const char *path, long long max_size, int max_files);
/* Splits `data` into lines and writes one json-file record per line (stream 1: stdout, 2: stderr). */
void log_write(struct logfile *lf, int stream, const char *data, size_t len);
/* Writes out partial lines (at exit). */
void log_flush(struct logfile *lf);

/* Port proxy (proxy.c). */
struct proxy {
  int listen_fd;
  int udp;
  uint32_t target_ip; /* network order */
  uint16_t target_port; /* network order */
};

int proxy_parse(struct proxy *p, const char *spec);
/* Accepts one TCP connection and serves it in a forked child. */
void proxy_accept(struct proxy *p, int *close_in_child, int nclose);
/* UDP: relays one datagram from a client; replies come back through proxy_udp_reply. */
void proxy_udp_datagram(struct proxy *p);
/* Sessions' fds to poll, and their handling. */
int proxy_udp_fds(struct proxy *p, int *fds, int max);
void proxy_udp_reply(struct proxy *p, int fd);

/* Time as RFC 3339 with nanoseconds, UTC (docker's format). */
void format_time(char *buf, size_t len, const struct timespec *ts);
size_t json_escape(char *out, size_t cap, const char *in, size_t len);

#endif
