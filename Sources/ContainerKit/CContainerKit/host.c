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

void ck_close_range_without_syscall(unsigned int first, unsigned int last) { ck_close_range_listed(first, last); }

int ck_send_fd(int socket_fd, int fd) {
  char byte = 0;
  return ck_send_with_fd(socket_fd, &byte, 1, fd);
}

long ck_recv_message(int socket_fd, void *buf, unsigned long size, int *passed) {
  return ck_recv_with_fd(socket_fd, buf, size, passed);
}

int ck_set_winsize(int fd, uint16_t rows, uint16_t cols) {
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  return ioctl(fd, TIOCSWINSZ, &ws) != 0 ? -errno : 0;
}

int ck_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC) != 0 ? -errno : 0; }
