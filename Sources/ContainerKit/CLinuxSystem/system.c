#define _GNU_SOURCE
#include "CLinuxSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int cls_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int cls_pidfd_send_signal(int pidfd, int sig) {
  return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int cls_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int cls_epoll_add_oneshot(int epfd, int fd) {
  struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.fd = fd};
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int cls_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int cls_epoll_wait_fds(int epfd, int *fds, int max, int timeout_ms) {
  struct epoll_event events[64];
  if (max > 64) max = 64;
  int n;
  do {
    n = epoll_wait(epfd, events, max, timeout_ms);
  } while (n < 0 && errno == EINTR);
  for (int i = 0; i < n; i++) fds[i] = events[i].data.fd;
  return n;
}

int cls_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int cls_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int cls_spawn_closefrom(posix_spawn_file_actions_t *actions, int from) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  return posix_spawn_file_actions_addclosefrom_np(actions, from);
#else
  (void)actions;
  (void)from;
  return ENOSYS;
#endif
}

int cls_malloc_arena_max(int n) { return mallopt(M_ARENA_MAX, n); }

int cls_malloc_trim(void) { return malloc_trim(0); }
