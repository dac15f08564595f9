#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

size_t ck_strlen(const char *s) {
  size_t n = 0;
  if (s == NULL) return 0;
  while (s[n] != '\0') n++;
  return n;
}

static void ck_copy(char *dst, size_t size, const char *src) {
  size_t i = 0;
  if (size == 0) return;
  if (src != NULL)
    for (; src[i] != '\0' && i + 1 < size; i++) dst[i] = src[i];
  dst[i] = '\0';
}

char *ck_join(char *dst, size_t size, const char *a, const char *b) {
  size_t n = 0;
  const char *parts[2] = {a, b};
  for (int p = 0; p < 2; p++) {
    const char *s = parts[p];
    if (s == NULL) continue;
    for (size_t i = 0; s[i] != '\0' && n + 1 < size; i++) dst[n++] = s[i];
  }
  if (size > 0) dst[n] = '\0';
  return dst;
}

int ck_send(const struct ck_plan *plan, int kind, int err, int value, const char *step, const char *object) {
  struct ck_message msg;
  memset(&msg, 0, sizeof msg);
  msg.kind = kind;
  msg.err = err;
  msg.value = value;
  ck_copy(msg.step, sizeof msg.step, step);
  ck_copy(msg.object, sizeof msg.object, object);
  ssize_t r;
  do {
    r = send(plan->sync_fd, &msg, sizeof msg, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  return r == (ssize_t)sizeof msg ? 0 : -1;
}

void ck_itoa(char *buf, size_t size, long v) {
  char tmp[32];
  int n = 0, neg = v < 0;
  unsigned long u = neg ? (unsigned long)(-v) : (unsigned long)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u > 0 && n < 30);
  size_t i = 0;
  if (neg && i + 1 < size) buf[i++] = '-';
  while (n > 0 && i + 1 < size) buf[i++] = tmp[--n];
  buf[i] = '\0';
}

const char *ck_errname(int err) {
  switch (err) {
  case ENOENT: return "no such file or directory";
  case EACCES: return "permission denied";
  case EPERM: return "operation not permitted";
  case ENOEXEC: return "exec format error";
  case ENOTDIR: return "not a directory";
  case EINVAL: return "invalid argument";
  case ENOMEM: return "cannot allocate memory";
  case E2BIG: return "argument list too long";
  case ELOOP: return "too many levels of symbolic links";
  default: return "error";
  }
}

void ck_fail(const struct ck_plan *plan, const char *step, int err, const char *object, int status) {
  /* The parent may be gone (create, then start from another process): then say it on stderr, which is the
   * container's stderr by the time of the final exec. */
  if (ck_send(plan, CK_MSG_ERROR, err, status, step, object) != 0) {
    char line[1200];
    ck_join(line, sizeof line, step, ": ");
    ck_join(line, sizeof line, line, object);
    ck_join(line, sizeof line, line, ": ");
    ck_join(line, sizeof line, line, ck_errname(err));
    ck_join(line, sizeof line, line, "\n");
    (void)!write(2, line, ck_strlen(line));
  }
  _exit(status);
}
