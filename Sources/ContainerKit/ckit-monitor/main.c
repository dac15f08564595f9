/*
 * ckit-monitor [OPTIONS] -- COMMAND [ARG...]
 *
 * Runs COMMAND (normally the OCI runtime's `run`, which stays in the foreground as the container's parent) and
 * supervises it for as long as the container lives, so that `ckit` itself can exit. See monitor.h for the why.
 *
 * Signals from ckit:  SIGTERM  stop: no restart, the stop signal goes to the container
 *                     SIGUSR1  stop now: no restart, SIGKILL to the container
 *                     (either queued with the value 1: the sender waits for us and cleans up itself, so no exit
 *                     command runs, unless the sender is gone by the time we exit)
 *                     SIGUSR2  kill: forwards the signal number queued with it (sigqueue), SIGKILL also stops
 *                     SIGWINCH resize the container's terminal: rows << 16 | columns queued with it (sigqueue), for
 *                              attach clients, which send only the bytes of stdin on their socket
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"
/* SCM_RIGHTS and the close-all-but keep-list, shared with the C child (header-only: nothing of it is linked). */
#include "../CContainerKit/fds.h"

#define MAX_CLIENTS 16
#define MAX_PROXIES 32
#define MAX_EXIT_ARGS 32

static void close_from(unsigned int first) { ck_close_range(first, ~0U); }

enum restart_policy { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_UNLESS_STOPPED };

static struct {
  const char *state_path, *log_path, *attach_path;
  /* With a runtime that detaches (`runc run -d` style), the file where it writes the container's pid. */
  const char *pid_file;
  /* With `--tty`: where the runtime sends the pty master it made in the container (`--console-socket`, as runc),
   * so that the container's terminal is its own (its /dev/pts, a controlling terminal, job control). */
  const char *console_socket;
  long long log_max_size;
  int log_max_files;
  int tty, keep_stdin, foreground;
  int sync_fd, stdin_fd, stdout_fd, stderr_fd;
  int stop_signal;
  enum restart_policy policy;
  int max_restarts;
  unsigned short rows, cols;
  char **argv;
  char *exit_argv[MAX_EXIT_ARGS + 1];
  int exit_argc;
  struct proxy proxies[MAX_PROXIES];
  int nproxies;
} opt = {.sync_fd = -1, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .stop_signal = SIGTERM,
         .log_max_files = 1};

static struct {
  pid_t pid;
  int out_fd, err_fd, in_fd, pty_fd;
  int listen_fd;
  int clients[MAX_CLIENTS];
  int nclients;
  int restart_count;
  int manual_stop;
  int cleaner_pidfd; /* the stopper that said it releases the container itself, while it lives; or -1 */
  int exit_code;
  int running;
  int handed_off; /* st.pid is the container's init, reparented to us, not the runtime process */
  struct timespec started, finished;
  struct logfile log;
} st = {.out_fd = -1, .err_fd = -1, .in_fd = -1, .pty_fd = -1, .listen_fd = -1, .cleaner_pidfd = -1};

static void die(const char *what) {
  char msg[512];
  int n = snprintf(msg, sizeof(msg), "error: %s: %s\n", what, strerror(errno));
  if (opt.sync_fd >= 0 && write(opt.sync_fd, msg, (size_t)n) < 0) {}
  if (write(2, msg + 7, (size_t)n - 7) < 0) {}
  exit(125);
}

static void write_state(const char *status, const char *error) {
  if (!opt.state_path) return;
  char tmp[PATH_MAX], started[64] = "0001-01-01T00:00:00Z", finished[64] = "0001-01-01T00:00:00Z", buf[1024];
  if (st.started.tv_sec) format_time(started, sizeof(started), &st.started);
  if (st.finished.tv_sec) format_time(finished, sizeof(finished), &st.finished);
  /* With a detaching runtime, st.pid is the runtime process until the hand-off: no container pid to show yet. */
  int pid = st.running && (!opt.pid_file || st.handed_off) ? st.pid : 0;
  char err[256];
  size_t elen = json_escape(err, sizeof(err), error, strlen(error));
  err[elen] = 0;
  int n = snprintf(buf, sizeof(buf),
                   "{\"MonitorPid\":%d,\"Pid\":%d,\"Status\":\"%s\",\"ExitCode\":%d,\"RestartCount\":%d,"
                   "\"StartedAt\":\"%s\",\"FinishedAt\":\"%s\",\"ManualStop\":%s,\"Error\":\"%s\"}\n",
                   getpid(), pid, status, st.exit_code, st.restart_count, started, finished,
                   st.manual_stop ? "true" : "false", err);
  snprintf(tmp, sizeof(tmp), "%s.tmp", opt.state_path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (write(fd, buf, (size_t)n) != n) {}
  close(fd);
  rename(tmp, opt.state_path);
}

/* Frames for attach clients, docker's stdcopy header: stream, three zero bytes, big-endian length. Stream 3
 * carries the exit code as text when the container ends. */
static void send_frame(int stream, const char *data, size_t len) {
  unsigned char hdr[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8), (unsigned char)len};
  for (int i = 0; i < st.nclients; i++) {
    struct iovec iov[2] = {{hdr, 8}, {(void *)data, len}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t n = sendmsg(st.clients[i], &m, MSG_NOSIGNAL);
    if (n != (ssize_t)(len + 8)) { /* a client too slow to keep up is dropped rather than stall the container */
      close(st.clients[i]);
      st.clients[i--] = st.clients[--st.nclients];
    }
  }
}

static void write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data += n;
    len -= (size_t)n;
  }
}

/* What a detaching runtime printed before handing over: its error, if it failed to start the process. */
static char runtime_err[512];
static size_t runtime_err_len;

static void on_output(int stream, const char *data, size_t len) {
  if (opt.pid_file && !st.handed_off) {
    for (size_t i = 0; i < len; i++) {
      if (runtime_err_len == sizeof(runtime_err) - 1) {
        memmove(runtime_err, runtime_err + 256, runtime_err_len - 256);
        runtime_err_len -= 256;
      }
      runtime_err[runtime_err_len++] = data[i];
    }
    runtime_err[runtime_err_len] = 0;
  }
  log_write(&st.log, stream, data, len);
  int tee = stream == 2 ? opt.stderr_fd : opt.stdout_fd;
  if (tee >= 0) write_all(tee, data, len);
  send_frame(stream, data, len);
}

/* Reads what is there; returns 0 at EOF or on error, so the caller closes the fd. */
static int pump(int fd, int stream) {
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
      on_output(stream, buf, (size_t)n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
    return 0;
  }
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* Listens on `--console-socket` for the runtime's pty master (runc's protocol: one message, the fd in
 * SCM_RIGHTS). -1 when the socket cannot be made. */
static int console_listen(void) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(opt.console_socket) >= sizeof(sa.sun_path)) return -1;
  strcpy(sa.sun_path, opt.console_socket);
  unlink(opt.console_socket);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0) {
    close(fd);
    return -1;
  }
  chmod(opt.console_socket, 0600);
  return fd;
}

/* The pty master that runtime `pid` sends to `listen_fd`, or -1 when it ends (a failed start) without sending one. */
static int console_receive(int listen_fd, pid_t pid) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  struct pollfd fds[2] = {{listen_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
  int master = -1;
  for (;;) {
    int n = poll(fds, pidfd >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || !(fds[0].revents & POLLIN)) break;
    int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) break;
    char byte;
    (void)ck_recv_with_fd(conn, &byte, 1, &master); /* master stays -1 when none came */
    close(conn);
    break;
  }
  if (pidfd >= 0) close(pidfd);
  return master;
}

static void spawn(void) {
  int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1}, slave = -1;
  /* The runtime makes the terminal and sends it: its own stdio are pipes (its messages go to the log). */
  int console = opt.tty && opt.console_socket ? console_listen() : -1;
  if (opt.tty && opt.console_socket && console < 0) die(opt.console_socket);
  if (console >= 0) {
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) die("pipe");
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
  } else if (opt.tty) {
    st.pty_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (st.pty_fd < 0 || grantpt(st.pty_fd) != 0 || unlockpt(st.pty_fd) != 0) die("pty");
    const char *name = ptsname(st.pty_fd);
    if (!name) die("ptsname");
    slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) die("open pty slave");
    if (opt.rows && opt.cols) {
      struct winsize ws = {.ws_row = opt.rows, .ws_col = opt.cols};
      ioctl(slave, TIOCSWINSZ, &ws);
    }
    fcntl(st.pty_fd, F_SETFL, O_NONBLOCK);
  } else {
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) die("pipe");
    if (opt.keep_stdin && opt.stdin_fd < 0 && pipe2(in, O_CLOEXEC) != 0) die("pipe");
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
  }
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setsid();
    if (console >= 0) {
      dup2(out[1], 1);
      dup2(err[1], 2);
      int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
    } else if (opt.tty) {
      ioctl(slave, TIOCSCTTY, 0);
      dup2(slave, 1);
      dup2(slave, 2);
      if (opt.stdin_fd >= 0 || opt.keep_stdin || 1) dup2(slave, 0);
    } else {
      dup2(out[1], 1);
      dup2(err[1], 2);
      /* The caller's stdin is usually fd 0 already, marked close-on-exec above, and dup2 onto itself keeps
       * that mark: clear it, or the runtime starts without a stdin and `run -i` reads a stray descriptor. */
      if (opt.stdin_fd == 0) fcntl(0, F_SETFD, 0);
      else if (opt.stdin_fd > 0) dup2(opt.stdin_fd, 0);
      else if (in[0] >= 0) dup2(in[0], 0);
      else {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
      }
    }
    close_from(3);
    execvp(opt.argv[0], opt.argv);
    int e = errno;
    dprintf(2, "exec: \"%s\": %s\n", opt.argv[0], strerror(e));
    _exit(e == ENOENT ? 127 : 126);
  }
  st.pid = pid;
  st.running = 1;
  st.handed_off = 0;
  clock_gettime(CLOCK_REALTIME, &st.started);
  if (console >= 0) {
    close(out[1]);
    close(err[1]);
    st.out_fd = out[0];
    st.err_fd = err[0];
    st.pty_fd = console_receive(console, pid);
    close(console);
    unlink(opt.console_socket);
    if (st.pty_fd >= 0) {
      if (opt.rows && opt.cols) {
        struct winsize ws = {.ws_row = opt.rows, .ws_col = opt.cols};
        ioctl(st.pty_fd, TIOCSWINSZ, &ws);
      }
      fcntl(st.pty_fd, F_SETFL, O_NONBLOCK);
    }
  } else if (opt.tty) {
    close(slave);
  } else {
    close(out[1]);
    close(err[1]);
    st.out_fd = out[0];
    st.err_fd = err[0];
    if (in[0] >= 0) {
      close(in[0]);
      st.in_fd = in[1];
    }
  }
  /* A detaching runtime's process is not the container's: the state is first written at the hand-off, with the
   * container's pid. Written here too, it would be one more file created and replaced per start. */
  if (!opt.pid_file) write_state("running", "");
}

static void kill_child(int sig) {
  if (!st.running) return;
  /* The child leads its own session; signal the group so shells' children go too, then the leader itself. */
  if (sig == SIGKILL) kill(-st.pid, SIGKILL);
  kill(st.pid, sig);
}

/* Children reaped before we knew they were the container (the runtime exits, its child is reparented to us). */
static struct {
  pid_t pid;
  int status;
} early[16];

static void remember_exit(pid_t pid, int status) {
  static int next;
  early[next].pid = pid;
  early[next].status = status;
  next = (next + 1) % 16;
}

/* After the runtime process exited 0: the container init from the pid file becomes the process we watch. Returns
 * 1 if it is (still) running, 0 if it already ended (its status in *status), -1 if there is no valid pid. */
static int hand_off(int *status) {
  char buf[32] = {0};
  int fd = open(opt.pid_file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  pid_t pid = n > 0 ? (pid_t)atoi(buf) : 0;
  if (pid <= 0) return -1;
  st.pid = pid;
  st.handed_off = 1;
  /* The state file first: the caller returns on the sync line and may read the state at once, which must then
   * hold this pid, not the runtime's (exited and reaped by now). */
  write_state("running", "");
  /* Only now is the container's process known: tell the caller (with a detaching runtime the first line waits
   * for this, so a runtime that fails reports `exit N` instead). */
  if (opt.sync_fd >= 0) dprintf(opt.sync_fd, "%d\n", pid);
  for (int i = 0; i < 16; i++)
    if (early[i].pid == pid) {
      *status = early[i].status;
      return 0;
    }
  if (waitpid(pid, status, WNOHANG) == pid) return 0;
  return 1;
}

static int should_restart(void) {
  if (st.manual_stop) return 0;
  switch (opt.policy) {
  case RESTART_NO: return 0;
  case RESTART_ON_FAILURE: return st.exit_code != 0 && (opt.max_restarts == 0 || st.restart_count < opt.max_restarts);
  case RESTART_ALWAYS:
  case RESTART_UNLESS_STOPPED: return 1;
  }
  return 0;
}

static void on_exit_status(int status) {
  st.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  st.running = 0;
  clock_gettime(CLOCK_REALTIME, &st.finished);
  if (st.out_fd >= 0) pump(st.out_fd, 1);
  if (st.err_fd >= 0) pump(st.err_fd, 2);
  if (st.pty_fd >= 0) pump(st.pty_fd, 1);
  close_fd(&st.out_fd);
  close_fd(&st.err_fd);
  close_fd(&st.pty_fd);
  close_fd(&st.in_fd);
  log_flush(&st.log);
  char code[16];
  int n = snprintf(code, sizeof(code), "%d", st.exit_code);
  send_frame(3, code, (size_t)n);
  for (int i = 0; i < st.nclients; i++) close(st.clients[i]);
  st.nclients = 0;
  if (opt.sync_fd >= 0) {
    dprintf(opt.sync_fd, "exit %d\n", st.exit_code);
    close_fd(&opt.sync_fd);
  }
  /* Foreground: the caller's terminal and pipes were for the first run only. */
  close_fd(&opt.stdout_fd);
  close_fd(&opt.stderr_fd);
  close_fd(&opt.stdin_fd);
}

static int parse_policy(const char *s) {
  if (strcmp(s, "no") == 0) opt.policy = RESTART_NO;
  else if (strcmp(s, "always") == 0) opt.policy = RESTART_ALWAYS;
  else if (strcmp(s, "unless-stopped") == 0) opt.policy = RESTART_UNLESS_STOPPED;
  else if (strncmp(s, "on-failure", 10) == 0) {
    opt.policy = RESTART_ON_FAILURE;
    if (s[10] == ':') opt.max_restarts = atoi(s + 11);
    else if (s[10] != 0) return -1;
  } else return -1;
  return 0;
}

static void usage(void) {
  fprintf(stderr, "usage: ckit-monitor [--state F] [--log F] [--log-max-size N] [--log-max-files N] [--attach SOCK]\n"
                  "  [--tty] [--console-socket PATH] [--stdin] [--foreground] [--sync-fd N] [--stdin-fd N] [--stdout-fd N] [--stderr-fd N]\n"
                  "  [--restart POLICY] [--stop-signal N] [--tty-size ROWSxCOLS] [--publish FD:PROTO:IP:PORT]...\n"
                  "  [--pid-file F] [--exit-command ARG]... -- COMMAND [ARG...]\n");
  exit(125);
}

static void parse_args(int argc, char **argv) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && ++i)
    if (strcmp(a, "--") == 0) { i++; break; }
    else if (ARG("--state")) opt.state_path = v;
    else if (ARG("--log")) opt.log_path = v;
    else if (ARG("--log-max-size")) opt.log_max_size = atoll(v);
    else if (ARG("--log-max-files")) opt.log_max_files = atoi(v);
    else if (ARG("--attach")) opt.attach_path = v;
    else if (ARG("--pid-file")) opt.pid_file = v;
    else if (ARG("--console-socket")) opt.console_socket = v;
    else if (strcmp(a, "--tty") == 0) opt.tty = 1;
    else if (strcmp(a, "--stdin") == 0) opt.keep_stdin = 1;
    else if (strcmp(a, "--foreground") == 0) opt.foreground = 1;
    else if (ARG("--sync-fd")) opt.sync_fd = atoi(v);
    else if (ARG("--stdin-fd")) opt.stdin_fd = atoi(v);
    else if (ARG("--stdout-fd")) opt.stdout_fd = atoi(v);
    else if (ARG("--stderr-fd")) opt.stderr_fd = atoi(v);
    else if (ARG("--stop-signal")) opt.stop_signal = atoi(v);
    else if (ARG("--tty-size")) { if (sscanf(v, "%hux%hu", &opt.rows, &opt.cols) != 2) usage(); }
    else if (ARG("--restart")) { if (parse_policy(v) != 0) usage(); }
    else if (ARG("--publish")) {
      if (opt.nproxies >= MAX_PROXIES || proxy_parse(&opt.proxies[opt.nproxies++], v) != 0) usage();
    } else if (ARG("--exit-command")) {
      if (opt.exit_argc >= MAX_EXIT_ARGS) usage();
      opt.exit_argv[opt.exit_argc++] = (char *)v;
    } else usage();
#undef ARG
  }
  if (i >= argc) usage();
  opt.argv = argv + i;
}

static void open_attach_socket(void) {
  if (!opt.attach_path) return;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(opt.attach_path) >= sizeof(sa.sun_path)) {
    errno = ENAMETOOLONG;
    die(opt.attach_path);
  }
  strcpy(sa.sun_path, opt.attach_path);
  unlink(opt.attach_path);
  st.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (st.listen_fd < 0 || bind(st.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(st.listen_fd, 16) != 0)
    die(opt.attach_path);
  chmod(opt.attach_path, 0600);
}

static pid_t foreground_parent; /* the caller that waits for us in the foreground */

/* A stop queued with the value 1 comes from a caller that waits for us and releases the container itself: remember
 * it by pidfd (its pid could be reused), so that its exit command is skipped only while it is alive to do that. */
static void note_cleaner(const struct signalfd_siginfo *si) {
  if (si->ssi_code != SI_QUEUE || si->ssi_int != 1) return;
  if (st.cleaner_pidfd >= 0) close(st.cleaner_pidfd);
  st.cleaner_pidfd = (int)syscall(SYS_pidfd_open, (pid_t)si->ssi_pid, 0);
}

static int cleaner_alive(void) {
  if (st.cleaner_pidfd < 0) return 0;
  struct pollfd p = {.fd = st.cleaner_pidfd, .events = POLLIN};
  return poll(&p, 1, 0) == 0; /* a pidfd turns readable when its process has exited */
}

static void run_exit_command(void) {
  if (opt.exit_argc == 0 || cleaner_alive()) return;
  /* In the foreground the caller is still waiting for us and cleans up itself: one process start less per run.
   * Only when it is gone (we were reparented) does the exit command stand in for it. */
  if (opt.foreground && getppid() == foreground_parent) return;
  pid_t me = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    close_from(3);
    char pid[16];
    snprintf(pid, sizeof(pid), "%d", (int)me);
    setenv("CKIT_MONITOR_PID", pid, 1);
    execv(opt.exit_argv[0], opt.exit_argv);
    _exit(127);
  }
}

/* Closes every fd the caller leaked to us (a socketpair its own parent watches, say) except those named on the
 * command line: an inherited fd held for the container's lifetime would make the caller's parent wait forever. */
static void close_stray_fds(void) {
  int keep[MAX_PROXIES + 8];
  int n = 0;
  keep[n++] = opt.sync_fd;
  keep[n++] = opt.stdin_fd;
  keep[n++] = opt.stdout_fd;
  keep[n++] = opt.stderr_fd;
  for (int i = 0; i < opt.nproxies; i++) keep[n++] = opt.proxies[i].listen_fd;
  ck_close_all_but(keep, n);
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  close_stray_fds();
  if (opt.sync_fd >= 0) fcntl(opt.sync_fd, F_SETFD, FD_CLOEXEC);
  if (opt.stdout_fd >= 0) fcntl(opt.stdout_fd, F_SETFD, FD_CLOEXEC);
  if (opt.stderr_fd >= 0) fcntl(opt.stderr_fd, F_SETFD, FD_CLOEXEC);
  if (opt.stdin_fd >= 0) fcntl(opt.stdin_fd, F_SETFD, FD_CLOEXEC);
  foreground_parent = getppid();
  if (!opt.foreground) {
    /* Detached: the caller only waits for this first process to exit; the monitor carries on as its child, which
     * init (or the caller's subreaper) adopts. A long-lived embedder then never collects a zombie per container. */
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child > 0) _exit(0);
    setsid();
  }
  /* Orphans of the container's runtime (its init, once a detaching runtime exits) become ours to reap. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) sigaddset(&mask, sigs[i]);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");
  st.log.fd = -1;
  if (opt.log_path && log_open(&st.log, opt.log_path, opt.log_max_size, opt.log_max_files) != 0) die(opt.log_path);
  open_attach_socket();
  if (opt.stdin_fd >= 0 && opt.tty) fcntl(opt.stdin_fd, F_SETFL, fcntl(opt.stdin_fd, F_GETFL) | O_NONBLOCK);

  spawn();
  if (opt.sync_fd >= 0 && !opt.pid_file) dprintf(opt.sync_fd, "%d\n", st.pid);

  long long restart_at_ms = -1; /* monotonic time of a pending restart */
  int backoff_ms = 100;
  for (;;) {
    struct pollfd fds[8 + MAX_CLIENTS + MAX_PROXIES * 2 + 64];
    int roles[sizeof(fds) / sizeof(fds[0])]; /* what each entry is */
    struct proxy *owners[sizeof(fds) / sizeof(fds[0])];
    int n = 0;
#define ADD(fd_, role_, owner_) do { fds[n] = (struct pollfd){(fd_), POLLIN, 0}; roles[n] = (role_); owners[n++] = (owner_); } while (0)
    ADD(sfd, 0, NULL);
    if (st.out_fd >= 0) ADD(st.out_fd, 1, NULL);
    if (st.err_fd >= 0) ADD(st.err_fd, 2, NULL);
    if (st.pty_fd >= 0) ADD(st.pty_fd, 3, NULL);
    if (opt.stdin_fd >= 0 && opt.tty && st.pty_fd >= 0) ADD(opt.stdin_fd, 4, NULL);
    if (st.listen_fd >= 0) ADD(st.listen_fd, 5, NULL);
    for (int i = 0; i < st.nclients; i++) ADD(st.clients[i], 6, NULL);
    for (int i = 0; i < opt.nproxies; i++) {
      ADD(opt.proxies[i].listen_fd, 7, &opt.proxies[i]);
      if (opt.proxies[i].udp) {
        int ufds[32];
        int k = proxy_udp_fds(&opt.proxies[i], ufds, 32);
        for (int j = 0; j < k; j++) ADD(ufds[j], 8, &opt.proxies[i]);
      }
    }
#undef ADD
    int timeout = -1;
    if (restart_at_ms >= 0) {
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      long long now_ms = now.tv_sec * 1000LL + now.tv_nsec / 1000000;
      if (now_ms >= restart_at_ms) {
        restart_at_ms = -1;
        st.restart_count++;
        spawn();
        continue;
      }
      timeout = (int)(restart_at_ms - now_ms);
    }
    if (poll(fds, (nfds_t)n, timeout) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    for (int i = 0; i < n; i++) {
      if (!fds[i].revents) continue;
      switch (roles[i]) {
      case 0: {
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
          switch (si.ssi_signo) {
          case SIGCHLD: {
            int status;
            pid_t p;
            while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
              if (p != st.pid || !st.running) {
                remember_exit(p, status);
                continue;
              }
              if (opt.pid_file && !st.handed_off && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                int r = hand_off(&status);
                if (r == 1) continue;
                if (r < 0) status = 125 << 8;
              } else if (opt.pid_file && !st.handed_off) {
                /* The runtime could not start the process: docker's codes, 127 for a missing command, 126 for
                 * one that cannot be run, 125 for anything else. */
                if (st.out_fd >= 0) pump(st.out_fd, 1);
                if (st.err_fd >= 0) pump(st.err_fd, 2);
                if (strcasestr(runtime_err, "not found") || strcasestr(runtime_err, "no such file"))
                  status = 127 << 8;
                else if (strcasestr(runtime_err, "permission denied"))
                  status = 126 << 8;
                else
                  status = 125 << 8;
              }
              on_exit_status(status);
              if (should_restart()) {
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                /* Docker's backoff: doubling from 100 ms, reset once a run lasted 10 s. */
                if (st.finished.tv_sec - st.started.tv_sec >= 10) backoff_ms = 100;
                restart_at_ms = now.tv_sec * 1000LL + now.tv_nsec / 1000000 + backoff_ms;
                if (backoff_ms < 60000) backoff_ms *= 2;
                write_state("restarting", "");
              } else {
                write_state("exited", "");
                if (opt.attach_path) unlink(opt.attach_path);
                run_exit_command();
                return 0;
              }
            }
            break;
          }
          case SIGTERM:
            st.manual_stop = 1;
            note_cleaner(&si);
            if (restart_at_ms >= 0) { /* stopped while waiting to restart: done */
              write_state("exited", "");
              if (opt.attach_path) unlink(opt.attach_path);
              run_exit_command();
              return 0;
            }
            kill_child(opt.stop_signal);
            break;
          case SIGINT:
          case SIGQUIT: kill_child((int)si.ssi_signo); break;
          case SIGUSR1:
            st.manual_stop = 1;
            note_cleaner(&si);
            if (restart_at_ms >= 0) restart_at_ms = 0;
            kill_child(SIGKILL);
            break;
          case SIGUSR2: {
            int sig = si.ssi_int > 0 && si.ssi_int < 65 ? si.ssi_int : SIGKILL;
            if (sig == SIGKILL) st.manual_stop = 1;
            kill_child(sig);
            break;
          }
          case SIGWINCH:
            /* Kept for the next run's terminal too (a restart); the pty's own SIGWINCH tells the container. */
            if (si.ssi_code != SI_QUEUE || !opt.tty) break;
            opt.rows = (unsigned short)((unsigned int)si.ssi_int >> 16);
            opt.cols = (unsigned short)((unsigned int)si.ssi_int & 0xffff);
            if (st.pty_fd >= 0) {
              struct winsize ws = {.ws_row = opt.rows, .ws_col = opt.cols};
              ioctl(st.pty_fd, TIOCSWINSZ, &ws);
            }
            break;
          }
        }
        break;
      }
      case 1: if (!pump(fds[i].fd, 1)) close_fd(&st.out_fd); break;
      case 2: if (!pump(fds[i].fd, 2)) close_fd(&st.err_fd); break;
      case 3: if (!pump(fds[i].fd, 1)) close_fd(&st.pty_fd); break;
      case 4: {
        char buf[4096];
        ssize_t r = read(fds[i].fd, buf, sizeof(buf));
        if (r > 0) write_all(st.pty_fd, buf, (size_t)r);
        else if (r == 0 || errno != EAGAIN) close_fd(&opt.stdin_fd);
        break;
      }
      case 5: {
        int c = accept4(st.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) break;
        if (st.nclients >= MAX_CLIENTS || !st.running) close(c);
        else st.clients[st.nclients++] = c;
        break;
      }
      case 6: {
        char buf[4096];
        ssize_t r = read(fds[i].fd, buf, sizeof(buf));
        if (r > 0) {
          int target = opt.tty ? st.pty_fd : st.in_fd;
          if (target >= 0) write_all(target, buf, (size_t)r);
        } else {
          for (int k = 0; k < st.nclients; k++)
            if (st.clients[k] == fds[i].fd) {
              close(st.clients[k]);
              st.clients[k] = st.clients[--st.nclients];
              break;
            }
        }
        break;
      }
      case 7:
        if (owners[i]->udp) proxy_udp_datagram(owners[i]);
        else {
          int keep[4 + MAX_CLIENTS] = {sfd, st.listen_fd, st.out_fd, st.err_fd};
          proxy_accept(owners[i], keep, 4);
        }
        break;
      case 8: proxy_udp_reply(owners[i], fds[i].fd); break;
      }
    }
  }
}
