#ifndef CLINUXSYSTEM_H
#define CLINUXSYSTEM_H

#include <spawn.h>
#include <sys/types.h>

/* The system calls LinuxSystem needs that Swift's Glibc module does not show (no pidfd or epoll header in it), and
 * epoll_event, which is packed on x86-64 and so is filled in C rather than laid out by Swift's importer. Every
 * function returns -1 with errno set on failure, as the system call does. */

/* pidfd_open(2): an fd that becomes readable when process `pid` exits, and that a reused pid cannot fool. */
int cls_pidfd_open(pid_t pid);

/* pidfd_send_signal(2): `sig` to the process of `pidfd`, which cannot reach another process that reused its pid. */
int cls_pidfd_send_signal(int pidfd, int sig);

/* An epoll instance, close-on-exec. */
int cls_epoll_create(void);

/* Adds `fd` to `epfd` for one readiness report (EPOLLIN, EPOLLONESHOT), tagged with `fd` itself. */
int cls_epoll_add_oneshot(int epfd, int fd);

/* Removes `fd` from `epfd`. */
int cls_epoll_del(int epfd, int fd);

/* Waits up to `timeout_ms` (-1: no limit) for ready fds; stores up to `max` of their tags in `fds`; returns how
 * many (0 on timeout). Retries EINTR itself. */
int cls_epoll_wait_fds(int epfd, int *fds, int max, int timeout_ms);

/* memfd_create(2) with MFD_CLOEXEC: a memory file, for a child's stdin that it may leave unread. */
int cls_memfd(const char *name);

/* pipe2(2) with O_CLOEXEC, which Swift's Glibc module hides behind _GNU_SOURCE: both ends close-on-exec from the
 * start, so no other thread's child inherits the write end (a reader would then never see EOF). */
int cls_pipe(int fds[2]);

/* open(2)'s O_PATH, which Glibc's Swift module hides behind _GNU_SOURCE: the one definition for every module (a
 * literal, which Swift imports as an Int32 constant). */
#define CK_O_PATH 010000000

/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34), which Swift's Glibc module does not show: the child
 * closes every fd from `from` on, so that it inherits none of its parent's but those the actions set up. Returns 0
 * or an error number (ENOSYS with an older glibc), as the posix_spawn functions do. */
int cls_spawn_closefrom(posix_spawn_file_actions_t *actions, int from);

/* mallopt(M_ARENA_MAX, n) (no malloc.h in Swift's Glibc module): at most `n` malloc arenas, whatever the number of
 * threads. Returns 1 on success, 0 on failure, as mallopt does. */
int cls_malloc_arena_max(int n);

/* malloc_trim(0): the free memory inside every malloc arena given back to the kernel. Returns 1 when some was. */
int cls_malloc_trim(void);

#endif
