/* createContainer and startContainer hooks: run by the child itself, so they see the container's namespaces.
 * Async-signal-safe only: clone, execve, poll on a pidfd, waitpid. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Says which hook failed and why, to the parent or (when it is gone: `start` from another process) on stderr, and
 * exits: the container's process must not go on to its program. */
static __attribute__((noreturn)) void ck_hook_fail(const struct ck_plan *plan, const char *kind, const char *path,
                                                   int err, int value) {
  if (ck_send(plan, CK_MSG_HOOK_ERROR, err, value, kind, path) != 0) {
    char line[1400], num[32];
    ck_join(line, sizeof line, kind, " hook ");
    ck_join(line, sizeof line, line, path);
    ck_join(line, sizeof line, line, ": ");
    if (err == ETIMEDOUT) {
      ck_itoa(num, sizeof num, value);
      ck_join(line, sizeof line, line, "timed out after ");
      ck_join(line, sizeof line, line, num);
      ck_join(line, sizeof line, line, "s");
    } else if (err != 0) {
      ck_join(line, sizeof line, line, ck_errname(err));
    } else {
      ck_itoa(num, sizeof num, value < 0 ? -value : value);
      ck_join(line, sizeof line, line, value < 0 ? "killed by signal " : "exited with status ");
      ck_join(line, sizeof line, line, num);
    }
    ck_join(line, sizeof line, line, "\n");
    (void)!write(2, line, ck_strlen(line));
  }
  _exit(1);
}

static void ck_run_hook(const struct ck_plan *plan, const char *kind, const struct ck_hook *h, int state_fd) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) ck_hook_fail(plan, kind, h->path, errno, 0);
  if (state_fd >= 0 && lseek(state_fd, 0, SEEK_SET) < 0) ck_hook_fail(plan, kind, h->path, errno, 0);
  pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) ck_hook_fail(plan, kind, h->path, errno, 0);
  if (pid == 0) {
    close(report[0]);
    /* A hook must not outlive a container process killed during setup. */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* A group of its own, so a timeout kills what the hook started too. */
    (void)setpgid(0, 0);
    int in = state_fd >= 0 ? state_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in >= 0 && in != 0) (void)dup2(in, 0);
    /* The hook gets stdio and the state, nothing else of the runtime's. */
    (void)syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(h->path, (char *const *)h->argv, (char *const *)h->envp);
    int e = errno;
    (void)!write(report[1], &e, sizeof e);
    _exit(127);
  }
  close(report[1]);
  int timed_out = 0;
  if (h->timeout > 0) {
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0) {
      long ms = (long)h->timeout * 1000;
      struct pollfd p = {.fd = pidfd, .events = POLLIN, .revents = 0};
      int r;
      do {
        r = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
      } while (r < 0 && errno == EINTR);
      if (r == 0) {
        (void)kill(-pid, SIGKILL);
        (void)kill(pid, SIGKILL);
        timed_out = 1;
      }
      close(pidfd);
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) ck_hook_fail(plan, kind, h->path, errno, 0);
  }
  int exec_err = 0;
  ssize_t n;
  do {
    n = read(report[0], &exec_err, sizeof exec_err);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (timed_out) ck_hook_fail(plan, kind, h->path, ETIMEDOUT, h->timeout);
  if (n == (ssize_t)sizeof exec_err && exec_err != 0) ck_hook_fail(plan, kind, h->path, exec_err, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  ck_hook_fail(plan, kind, h->path, 0, WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
}

void ck_run_hooks(const struct ck_plan *plan, const char *kind, const struct ck_hook *hooks, int count, int state_fd) {
  for (int i = 0; i < count; i++) ck_run_hook(plan, kind, &hooks[i], state_fd);
}
