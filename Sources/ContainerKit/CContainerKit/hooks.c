/* createContainer and startContainer hooks: run by the child itself, so they see the container's namespaces.
 * Async-signal-safe only: clone, execve, poll (on a pidfd where the kernel gives one), waitid, waitpid. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The last bytes a hook wrote on stderr: what the error message quotes. */
struct ck_tail {
  char buf[256];
  size_t len;
};

static void ck_tail_read(struct ck_tail *t, int fd) {
  char chunk[512];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    /* Keep the last `cap` bytes: one shift per read, not one per byte (a chatty hook may write megabytes). */
    const size_t cap = sizeof t->buf - 1;
    size_t take = (size_t)n > cap ? cap : (size_t)n;
    if (t->len + take > cap) {
      size_t drop = t->len + take - cap;
      memmove(t->buf, t->buf + drop, t->len - drop);
      t->len -= drop;
    }
    memcpy(t->buf + t->len, chunk + (size_t)n - take, take);
    t->len += take;
    t->buf[t->len] = '\0';
  }
}

/* Says which hook failed and why, to the parent or (when it is gone: `start` from another process) on stderr, and
 * exits: the container's process must not go on to its program. */
static __attribute__((noreturn)) void ck_hook_fail(const struct ck_plan *plan, const char *kind, const char *path,
                                                   int err, int value, const struct ck_tail *output) {
  struct ck_message msg;
  memset(&msg, 0, sizeof msg);
  msg.kind = CK_MSG_HOOK_ERROR;
  msg.err = err;
  msg.value = value;
  ck_join(msg.step, sizeof msg.step, kind, NULL);
  ck_join(msg.object, sizeof msg.object, path, NULL);
  if (output != NULL) ck_join(msg.output, sizeof msg.output, output->buf, NULL);
  ssize_t r;
  do {
    r = send(plan->sync_fd, &msg, sizeof msg, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r != (ssize_t)sizeof msg) {
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
    if (output != NULL && output->len > 0) (void)!write(2, output->buf, output->len);
  }
  _exit(1);
}

static long ck_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the hook has exited, without reaping it (the caller's waitpid does). */
static int ck_hook_exited(pid_t pid) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno != EINTR;
  return info.si_pid == pid;
}

/* Waits for the hook, collecting its stderr, until it exits or `timeout` seconds pass (0: no limit). Returns 1
 * when it timed out (and was killed with its process group). A pidfd says when it exits; where pidfd_open is
 * refused (a container's seccomp profile, loaded before these hooks when no_new_privs is off) the wait polls
 * every 20 ms instead, so the timeout still holds and the stderr pipe is still drained. */
static int ck_wait_hook(pid_t pid, int timeout, int err_fd, struct ck_tail *tail) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  long deadline = timeout > 0 ? ck_now_ms() + (long)timeout * 1000 : -1;
  int timed_out = 0;
  for (;;) {
    /* poll skips entries with a negative fd: a missing pidfd or a closed stderr pipe. */
    struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN, .revents = 0}, {.fd = err_fd, .events = POLLIN, .revents = 0}};
    int wait_ms = -1;
    if (deadline >= 0) {
      long left = deadline - ck_now_ms();
      if (left <= 0) {
        timed_out = 1;
        break;
      }
      wait_ms = left > INT_MAX ? INT_MAX : (int)left;
    }
    if (pidfd < 0 && (wait_ms < 0 || wait_ms > 20)) wait_ms = 20;
    int r = poll(p, 2, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    if (p[1].revents & (POLLIN | POLLHUP)) {
      ck_tail_read(tail, err_fd);
      if (p[1].revents & POLLHUP && !(p[1].revents & POLLIN)) err_fd = -1;
    }
    if (pidfd >= 0 ? (p[0].revents & POLLIN) != 0 : ck_hook_exited(pid)) break;
  }
  if (timed_out) {
    (void)kill(-pid, SIGKILL);
    (void)kill(pid, SIGKILL);
  }
  if (pidfd >= 0) close(pidfd);
  return timed_out;
}

static void ck_run_hook(const struct ck_plan *plan, const char *kind, const struct ck_hook *h, int state_fd) {
  int report[2], errout[2];
  if (pipe2(report, O_CLOEXEC) != 0) ck_hook_fail(plan, kind, h->path, errno, 0, NULL);
  /* Non-blocking: whatever the hook left running may hold the write end after it exits. */
  if (pipe2(errout, O_CLOEXEC | O_NONBLOCK) != 0) ck_hook_fail(plan, kind, h->path, errno, 0, NULL);
  if (state_fd >= 0 && lseek(state_fd, 0, SEEK_SET) < 0) ck_hook_fail(plan, kind, h->path, errno, 0, NULL);
  pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) ck_hook_fail(plan, kind, h->path, errno, 0, NULL);
  if (pid == 0) {
    close(report[0]);
    close(errout[0]);
    /* A hook must not outlive a container process killed during setup. */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* A group of its own, so a timeout kills what the hook started too. */
    (void)setpgid(0, 0);
    int in = state_fd >= 0 ? state_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in >= 0 && in != 0) (void)dup2(in, 0);
    /* stderr is collected for the error message (as runc does); stdout is the container's, or the runtime's. */
    int flags = fcntl(errout[1], F_GETFL);
    if (flags >= 0) (void)fcntl(errout[1], F_SETFL, flags & ~O_NONBLOCK);
    (void)dup2(errout[1], 2);
    /* The hook gets stdio and the state, nothing else of the runtime's. */
    (void)syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(h->path, (char *const *)h->argv, (char *const *)h->envp);
    int e = errno;
    (void)!write(report[1], &e, sizeof e);
    _exit(127);
  }
  close(report[1]);
  close(errout[1]);
  struct ck_tail tail;
  tail.len = 0;
  tail.buf[0] = '\0';
  int timed_out = ck_wait_hook(pid, h->timeout, errout[0], &tail);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) ck_hook_fail(plan, kind, h->path, errno, 0, NULL);
  }
  ck_tail_read(&tail, errout[0]);
  close(errout[0]);
  int exec_err = 0;
  ssize_t n;
  do {
    n = read(report[0], &exec_err, sizeof exec_err);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (timed_out) ck_hook_fail(plan, kind, h->path, ETIMEDOUT, h->timeout, &tail);
  if (n == (ssize_t)sizeof exec_err && exec_err != 0) ck_hook_fail(plan, kind, h->path, exec_err, 0, NULL);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  ck_hook_fail(plan, kind, h->path, 0, WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), &tail);
}

void ck_run_hooks(const struct ck_plan *plan, const char *kind, const struct ck_hook *hooks, int count, int state_fd) {
  for (int i = 0; i < count; i++) ck_run_hook(plan, kind, &hooks[i], state_fd);
}
