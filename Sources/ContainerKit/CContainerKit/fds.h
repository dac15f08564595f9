/* File descriptors passed over a unix socket (SCM_RIGHTS) and closed all but a few: the one implementation for the
 * C child and host shims of CContainerKit and for ckit-monitor, a separate static program that links nothing of
 * ours and so includes this header by its path. Header-only `static inline`, async-signal-safe (plain system calls
 * on the caller's stack): the child uses it after clone(). */
#ifndef CK_FDS_H
#define CK_FDS_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The control buffer of a message that carries one fd. */
union ck_fd_control {
  char buf[CMSG_SPACE(sizeof(int))];
  struct cmsghdr align;
};

/* Sends `len` bytes of `buf` with `fd` attached. 0, or -errno (-EMSGSIZE for a short send). */
static inline int ck_send_with_fd(int socket_fd, const void *buf, size_t len, int fd) {
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  union ck_fd_control u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t r;
  do {
    r = sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  return r == (ssize_t)len ? 0 : -EMSGSIZE;
}

/* Receives up to `size` bytes into `buf`; `*passed` is the fd that came with them (close-on-exec), or -1. The
 * byte count, or -errno. */
static inline long ck_recv_with_fd(int socket_fd, void *buf, size_t size, int *passed) {
  struct iovec iov = {.iov_base = buf, .iov_len = size};
  union ck_fd_control u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  *passed = -1;
  ssize_t n;
  do {
    n = recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int)))
      memcpy(passed, CMSG_DATA(c), sizeof(int));
  }
  return (long)n;
}

/* Closes the open fds in [first, last] that /proc/self/fd lists: close_range's stand-in on kernels without it
 * (5.6 to 5.8), where a loop to a fixed bound would leave the fds above it open in the container. getdents64 into a
 * buffer on the stack; the listing is read again until a pass closes nothing, since closing entries while reading
 * may skip some. Without /proc (not mounted yet), a close per fd up to RLIMIT_NOFILE's hard limit. */
static inline void ck_close_range_listed(unsigned int first, unsigned int last) {
  int dir = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    struct rlimit limit;
    unsigned long bound = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &limit) == 0 ? limit.rlim_max : 1UL << 20;
    if (bound > 1UL << 20) bound = 1UL << 20;
    for (unsigned long fd = first; fd <= last && fd < bound; fd++) close((int)fd);
    return;
  }
  for (int closed = 1; closed;) {
    closed = 0;
    if (lseek(dir, 0, SEEK_SET) < 0) break;
    char buf[4096] __attribute__((aligned(8)));
    long n;
    while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
      for (long at = 0; at < n;) {
        struct ck_dirent64 {
          unsigned long long ino;
          long long off;
          unsigned short reclen;
          unsigned char type;
          char name[];
        } *e = (struct ck_dirent64 *)(buf + at);
        at += e->reclen;
        unsigned long fd = 0;
        const char *c = e->name;
        if (*c < '0' || *c > '9') continue;
        for (; *c >= '0' && *c <= '9' && fd <= 0xffffffffUL; c++) fd = fd * 10 + (unsigned long)(*c - '0');
        if (*c != 0 || fd < first || fd > last || (int)fd == dir) continue;
        close((int)fd);
        closed = 1;
      }
    }
  }
  close(dir);
}

/* close_range(2) (Linux 5.9) of [first, last], or ck_close_range_listed where the kernel lacks it. */
static inline void ck_close_range(unsigned int first, unsigned int last) {
  if (syscall(SYS_close_range, first, last, 0) == 0 || errno != ENOSYS) return;
  ck_close_range_listed(first, last);
}

/* Closes every fd from 3 up except the `n` of `keep` (sorted here in place; negative ones ignored): one
 * close_range per gap between the kept fds, not a close per possible fd. An fd a process inherited and holds
 * for its lifetime would keep whoever waits for that fd's end waiting forever. */
static inline void ck_close_all_but(int *keep, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
      int t = keep[j];
      keep[j] = keep[j - 1];
      keep[j - 1] = t;
    }
  unsigned int next = 3;
  for (int i = 0; i < n; i++) {
    if (keep[i] < (int)next) continue;
    if ((unsigned int)keep[i] > next) ck_close_range(next, (unsigned int)keep[i] - 1);
    next = (unsigned int)keep[i] + 1;
  }
  ck_close_range(next, ~0U);
}

#endif
