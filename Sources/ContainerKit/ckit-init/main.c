/*
 * ckit-init: pid 1 of a `ckit run --init` container, where Docker runs tini as /sbin/docker-init.
 *
 * A program written to be an ordinary process misbehaves as pid 1: the kernel delivers it no signal it has not
 * installed a handler for (so `ckit stop` waits the whole timeout and then kills), and orphans are re-parented to
 * it but never waited for (so zombies pile up). This init runs the program as its child in the program's own
 * process group (the terminal's foreground group, when there is a terminal), passes every signal it receives on
 * to it, reaps every child it is given, and exits as the program did (128 + N when killed by signal N).
 *
 * The engine bind-mounts this file read-only into the container and execs it as the container's process:
 *   /sbin/docker-init -- PROGRAM [ARG...]
 * Static and small: it adds no library and no writable file of the host to the container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Faults of this process itself: left unblocked, so that a bug kills it instead of hanging the container. */
static const int synchronous[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT};

static int usage(void) {
  fputs("usage: ckit-init [--] PROGRAM [ARG...]\n"
        "Runs PROGRAM as the child of pid 1: forwards signals to it, reaps zombies, exits with its status.\n",
        stderr);
  return 2;
}

/* The child: its own process group, in the foreground of the terminal if stdin is one, the caller's signal mask
 * and dispositions back, then the program (PATH searched, as docker-init does). */
static __attribute__((noreturn)) void run_program(char **argv, const sigset_t *mask, const struct sigaction *ttin,
                                                  const struct sigaction *ttou) {
  if (setpgid(0, 0) != 0) fprintf(stderr, "ckit-init: setpgid: %s\n", strerror(errno));
  /* A terminal that is not our controlling one (a pty passed as plain stdio) cannot be handed over: not an error. */
  if (isatty(STDIN_FILENO) && tcsetpgrp(STDIN_FILENO, getpgrp()) != 0 && errno != ENOTTY && errno != ENXIO)
    fprintf(stderr, "ckit-init: tcsetpgrp: %s\n", strerror(errno));
  sigaction(SIGTTIN, ttin, NULL);
  sigaction(SIGTTOU, ttou, NULL);
  sigprocmask(SIG_SETMASK, mask, NULL);
  execvp(argv[0], argv);
  int err = errno;
  fprintf(stderr, "ckit-init: exec %s: %s\n", argv[0], strerror(err));
  _exit(err == ENOENT ? 127 : 126);
}

int main(int argc, char **argv) {
  int first = 1;
  if (first < argc && strcmp(argv[first], "--") == 0) {
    first++;
  } else if (first < argc && argv[first][0] == '-') {
    return usage();
  }
  if (first >= argc) return usage();

  /* Every signal is taken with sigwaitinfo: blocked, a signal is queued even to a pid 1 without handlers. */
  sigset_t all, saved;
  sigfillset(&all);
  for (size_t i = 0; i < sizeof synchronous / sizeof synchronous[0]; i++) sigdelset(&all, synchronous[i]);
  sigprocmask(SIG_SETMASK, &all, &saved);
  /* Handing the terminal to the child's group makes this one a background group: not stopped for it. */
  struct sigaction ignore = {.sa_handler = SIG_IGN}, ttin, ttou;
  sigaction(SIGTTIN, &ignore, &ttin);
  sigaction(SIGTTOU, &ignore, &ttou);
  /* Not pid 1 (`ckit exec ... /sbin/docker-init`, or a pid namespace shared with another container): orphans of
   * the program are still ours to reap. */
  if (getpid() != 1) (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "ckit-init: fork: %s\n", strerror(errno));
    return 1;
  }
  if (child == 0) run_program(argv + first, &saved, &ttin, &ttou);

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue; /* EINTR only: the set is valid */
    if (sig != SIGCHLD) {
      /* The program alone, as tini does by default: the rest of its group hears of it from the program. */
      if (kill(child, sig) != 0 && errno != ESRCH) fprintf(stderr, "ckit-init: kill: %s\n", strerror(errno));
      continue;
    }
    /* SIGCHLD is not queued per child: one may stand for many, so reap until none is left. */
    int status, code = -1;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
      if (p != child) continue;
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (code >= 0) return code;
  }
}
