#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

void format_time(char *buf, size_t len, const struct timespec *ts) {
  struct tm tm;
  gmtime_r(&ts->tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, len - n, ".%09ldZ", ts->tv_nsec);
}

/* JSON string escaping; invalid UTF-8 is passed through byte for byte, as docker does. */
size_t json_escape(char *out, size_t cap, const char *in, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < len && o + 7 < cap; i++) {
    unsigned char c = (unsigned char)in[i];
    switch (c) {
    case '"': out[o++] = '\\'; out[o++] = '"'; break;
    case '\\': out[o++] = '\\'; out[o++] = '\\'; break;
    case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
    case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
    case '\t': out[o++] = '\\'; out[o++] = 't'; break;
    default:
      if (c < 0x20) {
        out[o++] = '\\'; out[o++] = 'u'; out[o++] = '0'; out[o++] = '0';
        out[o++] = hex[c >> 4]; out[o++] = hex[c & 15];
      } else {
        out[o++] = (char)c;
      }
    }
  }
  return o;
}

int log_open(struct logfile *lf, const char *path, long long max_size, int max_files) {
  memset(lf, 0, sizeof(*lf));
  lf->path = path;
  lf->max_size = max_size;
  lf->max_files = max_files < 1 ? 1 : max_files;
  lf->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (lf->fd < 0) return -1;
  struct stat st;
  if (fstat(lf->fd, &st) == 0) lf->size = st.st_size;
  return 0;
}

/* log -> log.1 -> log.2 ...; the oldest beyond max_files is dropped, as docker's json-file driver does. */
static void rotate(struct logfile *lf) {
  char from[4096], to[4096];
  if (lf->max_files <= 1) {
    if (ftruncate(lf->fd, 0) == 0) lf->size = 0;
    return;
  }
  snprintf(to, sizeof(to), "%s.%d", lf->path, lf->max_files - 1);
  unlink(to);
  for (int i = lf->max_files - 2; i >= 1; i--) {
    snprintf(from, sizeof(from), "%s.%d", lf->path, i);
    snprintf(to, sizeof(to), "%s.%d", lf->path, i + 1);
    rename(from, to);
  }
  snprintf(to, sizeof(to), "%s.1", lf->path);
  rename(lf->path, to);
  close(lf->fd);
  lf->fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  lf->size = 0;
}

static void write_record(struct logfile *lf, int stream, const char *line, size_t len) {
  static char rec[LINE_MAX_BYTES * 6 + 128];
  if (lf->fd < 0) return;
  struct timespec ts;
  char tbuf[64];
  clock_gettime(CLOCK_REALTIME, &ts);
  format_time(tbuf, sizeof(tbuf), &ts);
  size_t o = 0;
  o += (size_t)snprintf(rec, sizeof(rec), "{\"log\":\"");
  o += json_escape(rec + o, sizeof(rec) - o - 96, line, len);
  o += (size_t)snprintf(rec + o, sizeof(rec) - o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                        stream == 2 ? "stderr" : "stdout", tbuf);
  if (lf->max_size > 0 && lf->size > 0 && lf->size + (long long)o > lf->max_size) rotate(lf);
  size_t off = 0;
  while (off < o) {
    ssize_t n = write(lf->fd, rec + off, o - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    off += (size_t)n;
  }
  lf->size += (long long)o;
}

void log_write(struct logfile *lf, int stream, const char *data, size_t len) {
  int s = stream == 2 ? 1 : 0;
  char *buf = lf->partial[s];
  for (size_t i = 0; i < len; i++) {
    buf[lf->partial_len[s]++] = data[i];
    if (data[i] == '\n' || lf->partial_len[s] == LINE_MAX_BYTES) {
      write_record(lf, stream, buf, lf->partial_len[s]);
      lf->partial_len[s] = 0;
    }
  }
}

void log_flush(struct logfile *lf) {
  for (int s = 0; s < 2; s++) {
    if (lf->partial_len[s] > 0) write_record(lf, s + 1, lf->partial[s], lf->partial_len[s]);
    lf->partial_len[s] = 0;
  }
}
