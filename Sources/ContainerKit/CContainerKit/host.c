/* Host-side helpers: plain system calls whose C signatures are awkward from Swift. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

int ck_send_fd(int socket_fd, int fd) {
  char byte = 0;
  return ck_send_with_fd(socket_fd, &byte, 1, fd);
}

long ck_recv_message(int socket_fd, void *buf, unsigned long size, int *passed) {
  struct iovec iov = {.iov_base = buf, .iov_len = size};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
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

int ck_set_winsize(int fd, uint16_t rows, uint16_t cols) {
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  return ioctl(fd, TIOCSWINSZ, &ws) != 0 ? -errno : 0;
}

int ck_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC) != 0 ? -errno : 0; }
