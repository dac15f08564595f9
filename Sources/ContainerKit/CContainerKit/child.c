/* The child: from clone() to execve(), only system calls, following the plan the parent prepared. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

static pid_t ck_clone(uint64_t flags) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = flags;
  /* clone3 refuses an exit signal with CLONE_PARENT: the sibling inherits the caller's (SIGCHLD). */
  args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0 && errno == ENOSYS && !(flags & CLONE_NEWTIME))
    pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
  return (pid_t)pid;
}

static void ck_reset_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int sig = 1; sig < _NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    (void)sigaction(sig, &sa, NULL);
  }
  sigset_t none;
  sigemptyset(&none);
  (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

static void ck_write_file(const struct ck_plan *plan, const char *step, const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
  if (fd < 0) ck_fail(plan, step, errno, path, 1);
  size_t n = ck_strlen(value);
  if (write(fd, value, n) != (ssize_t)n) ck_fail(plan, step, errno, path, 1);
  close(fd);
}

static void ck_kernel_settings(const struct ck_plan *plan) {
  if (plan->hostname != NULL && sethostname(plan->hostname, ck_strlen(plan->hostname)) != 0)
    ck_fail(plan, "sethostname", errno, plan->hostname, 1);
  if (plan->domainname != NULL && setdomainname(plan->domainname, ck_strlen(plan->domainname)) != 0)
    ck_fail(plan, "setdomainname", errno, plan->domainname, 1);
  /* With a mount namespace they were written through the container's /proc before it became read-only. */
  if (plan->rootfs == NULL || plan->chroot_only)
    for (int i = 0; i < plan->sysctl_count; i++)
      ck_write_file(plan, "sysctl", plan->sysctl_files[i], plan->sysctl_values[i]);
  if (plan->set_oom_score_adj) {
    char v[32];
    ck_itoa(v, sizeof v, plan->oom_score_adj);
    ck_write_file(plan, "oom_score_adj", "/proc/self/oom_score_adj", v);
  }
  for (int i = 0; i < plan->rlimit_count; i++) {
    struct rlimit64 rl = {.rlim_cur = plan->rlimits[i].soft, .rlim_max = plan->rlimits[i].hard};
    if (setrlimit64(plan->rlimits[i].resource, &rl) != 0) {
      char name[32];
      ck_itoa(name, sizeof name, plan->rlimits[i].resource);
      ck_fail(plan, "setrlimit", errno, name, 1);
    }
  }
}

static void ck_stdio(const struct ck_plan *plan, int terminal) {
  if (setsid() < 0) ck_fail(plan, "setsid", errno, "", 1);
  if (terminal >= 0) {
    if (ioctl(terminal, TIOCSCTTY, 0) != 0) ck_fail(plan, "set controlling terminal", errno, "pty", 1);
    for (int i = 0; i < 3; i++)
      if (dup2(terminal, i) < 0) ck_fail(plan, "dup2", errno, "pty", 1);
    return;
  }
  for (int i = 0; i < 3; i++) {
    if (plan->stdio[i] < 0 || plan->stdio[i] == i) continue;
    if (dup2(plan->stdio[i], i) < 0) ck_fail(plan, "dup2", errno, "stdio", 1);
  }
}

static void ck_load_seccomp(const struct ck_plan *plan) {
  if (plan->seccomp_filter == NULL) return;
  struct sock_fprog prog = {.len = (unsigned short)plan->seccomp_len, .filter = (struct sock_filter *)plan->seccomp_filter};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, plan->seccomp_flags, &prog) != 0)
    ck_fail(plan, "load seccomp filter", errno, "linux.seccomp", 1);
}

/* Identity changes go through raw system calls: glibc's setresuid/setgroups broadcast the change to every thread
 * it knows of, and after clone() from a threaded parent those threads do not exist: the call would wait forever. */
static void ck_identity(const struct ck_plan *plan) {
  if (plan->set_caps) {
    for (int cap = 0; cap <= plan->cap_last; cap++) {
      if (plan->cap_bounding & (1ULL << cap)) continue;
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
        ck_fail(plan, "drop bounding capability", errno, "process.capabilities.bounding", 1);
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) ck_fail(plan, "keep capabilities", errno, "", 1);
  }
  if (plan->group_count >= 0) {
    if (syscall(SYS_setgroups, (size_t)plan->group_count, (const gid_t *)plan->groups) != 0 && errno != EPERM)
      ck_fail(plan, "setgroups", errno, "process.user.additionalGids", 1);
  }
  if (syscall(SYS_setresgid, plan->gid, plan->gid, plan->gid) != 0) ck_fail(plan, "setgid", errno, "process.user.gid", 1);
  if (syscall(SYS_setresuid, plan->uid, plan->uid, plan->uid) != 0) ck_fail(plan, "setuid", errno, "process.user.uid", 1);
  if (plan->set_caps) {
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) ck_fail(plan, "keep capabilities", errno, "", 1);
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    for (int i = 0; i < 2; i++) {
      data[i].effective = (uint32_t)(plan->cap_effective >> (32 * i));
      data[i].permitted = (uint32_t)(plan->cap_permitted >> (32 * i));
      data[i].inheritable = (uint32_t)(plan->cap_inheritable >> (32 * i));
    }
    if (syscall(SYS_capset, &hdr, data) != 0) ck_fail(plan, "capset", errno, "process.capabilities", 1);
    for (int cap = 0; cap <= plan->cap_last; cap++) {
      if (!(plan->cap_ambient & (1ULL << cap))) continue;
      /* Raising needs the capability in permitted and inheritable; runc's default spec lists ambient capabilities
       * without inheritable ones, so a refusal is not an error (as in runc). */
      (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    }
  }
}

static const char *ck_getenv(const struct ck_plan *plan, const char *name) {
  size_t n = ck_strlen(name);
  for (int i = 0; plan->envp != NULL && plan->envp[i] != NULL; i++) {
    const char *e = plan->envp[i];
    if (strncmp(e, name, n) == 0 && e[n] == '=') return e + n + 1;
  }
  return NULL;
}

/* 0 when execve would accept the file, else the errno it would fail with: the checks execve makes before it
 * replaces the process (a regular file, executable by our effective ids, not on a noexec mount), so that a
 * missing or unusable program is still reported over the sync socket as today, not by the trampoline. */
static int ck_executable(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return errno;
  if (!S_ISREG(st.st_mode)) return EACCES;
  if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0) return 0;
  /* glibc asks faccessat2, and falls back to the older call only on ENOSYS. A seccomp profile that predates
   * faccessat2 but names a newer syscall (runtime-tools' default names landlock_restrict_self) refuses it with its
   * default EPERM, which X_OK cannot otherwise return: ask faccessat, which checks the real ids (the effective
   * ones by now); when the profile refuses that too, execve decides. */
  if (errno != EPERM && errno != ENOSYS) return errno;
  if (syscall(SYS_faccessat, AT_FDCWD, path, X_OK) != 0 && errno != EPERM && errno != ENOSYS) return errno;
  return 0;
}

/* Execs the trampoline with `argv`; returns the errno of execveat when both ways fail. */
static int ck_exec_trampoline(const struct ck_plan *plan, const char *const *argv) {
  syscall(SYS_execveat, plan->exec_fd, "", argv, plan->envp, AT_EMPTY_PATH);
  int err = errno;
  /* A seccomp profile may forbid execveat (EPERM, ENOSYS): the same sealed file through /proc. */
  char self[64];
  char num[32];
  ck_itoa(num, sizeof num, plan->exec_fd);
  ck_join(self, sizeof self, "/proc/self/fd/", num);
  execve(self, (char *const *)argv, (char *const *)plan->envp);
  return err;
}

/* The pause init: nothing of the container's file system is needed, and its /proc/1/exe is the sealed trampoline.
 * No parent-death signal: the parent is whichever thread of the blocking pool spawned it, and the pool retires idle
 * threads. It exits when its stdin hangs up instead (ContainerSandbox gives it a pipe only the owner writes to). */
static __attribute__((noreturn)) void ck_exec_pause(const struct ck_plan *plan) {
  static const char *const argv[] = {"", NULL};
  /* SIGCHLD ignored from before the exec (an ignored signal stays ignored across it), not from the pause mode's
   * first instructions: the sandbox is handed out as soon as pid 1 has exec'd, and an orphan that died before the
   * pause mode ran would otherwise stay a zombie (setting SIG_IGN later reaps none), counted in pids.max. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  (void)sigaction(SIGCHLD, &sa, NULL);
  int err = ck_exec_trampoline(plan, argv);
  ck_fail(plan, "exec", err, "pause init", 126);
}

/* Finds the program as execvp would (PATH when the name has no slash) and execs it through the trampoline: the
 * process never runs the program directly, so `/proc/self/exe` (or a `#!/proc/self/exe` script) in the container
 * reaches the sealed trampoline, not the host binary this child is a clone of. */
static __attribute__((noreturn)) void ck_exec(const struct ck_plan *plan) {
  if (plan->pause_init) ck_exec_pause(plan);
  const char *file = plan->argv[0];
  const char *found = NULL;
  char candidate[4096];
  int err = ENOENT;
  if (strchr(file, '/') != NULL) {
    err = ck_executable(file);
    if (err == 0) found = file;
  } else {
    const char *path = ck_getenv(plan, "PATH");
    if (path == NULL) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    while (*path != '\0' && found == NULL) {
      size_t len = 0;
      while (path[len] != '\0' && path[len] != ':') len++;
      if (len > 0 && len + ck_strlen(file) + 2 < sizeof candidate) {
        memcpy(candidate, path, len);
        candidate[len] = '/';
        ck_join(candidate + len + 1, sizeof candidate - len - 1, file, NULL);
        int e = ck_executable(candidate);
        if (e == 0) found = candidate;
        else if (e != ENOENT && e != ENOTDIR) err = e;
      }
      path += len;
      if (*path == ':') path++;
    }
  }
  if (found == NULL) ck_fail(plan, "exec", err, file, err == ENOENT ? 127 : 126);
  plan->exec_argv[0] = found;
  err = ck_exec_trampoline(plan, plan->exec_argv);
  ck_fail(plan, "exec", err, found, err == ENOENT ? 127 : 126);
}

/* Closes every fd the plan does not name. Other threads of the parent may have pipes or sync sockets of other
 * containers open at the moment of the clone; holding them would keep those from ever seeing EOF. */
static void ck_close_others(const struct ck_plan *plan) {
  int keep[32];
  int n = 0;
  keep[n++] = plan->sync_fd;
  if (plan->exec_fifo_fd >= 0) keep[n++] = plan->exec_fifo_fd;
  if (plan->create_state_fd >= 0) keep[n++] = plan->create_state_fd;
  if (plan->start_state_fd >= 0) keep[n++] = plan->start_state_fd;
  for (int i = 0; i < 3; i++)
    if (plan->stdio[i] >= 0) keep[n++] = plan->stdio[i];
  for (int i = 0; i < plan->join_count && n < 30; i++) keep[n++] = plan->join_fds[i];
  if (plan->use_mntns_template) keep[n++] = plan->mntns_template_fd;
  keep[n++] = plan->exec_fd;
  ck_close_all_but(keep, n);
}

static __attribute__((noreturn)) void ck_child(const struct ck_plan *plan) {
  char go;
  ck_close_others(plan);
  /* Not dumpable until execve: no process in the container may open /proc/PID/exe of this host binary
   * (CVE-2019-5736); execve makes the program dumpable again. */
  (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  (void)prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  ck_reset_signals();
  /* Namespace creation (a network namespace's most of all) overlaps the parent's cgroup setup on another core. The
   * mount namespace is then a copy of the template's rather than of the host's when the plan has one. */
  const struct ck_mntns_strategy *mntns = ck_mntns_choose(plan);
  if (plan->unshare_flags != 0 && unshare((int)plan->unshare_flags) != 0)
    ck_fail(plan, "unshare", errno, "namespaces", 1);

  /* Wait for the parent: uid/gid maps written, cgroup joined. */
  ssize_t r;
  do {
    r = read(plan->sync_fd, &go, 1);
  } while (r < 0 && errno == EINTR);
  if (r != 1) _exit(1);

  if (plan->new_user_ns) {
    if (syscall(SYS_setresgid, 0, 0, 0) != 0) ck_fail(plan, "become root of the user namespace", errno, "gid 0", 1);
    if (syscall(SYS_setresuid, 0, 0, 0) != 0) ck_fail(plan, "become root of the user namespace", errno, "uid 0", 1);
  }
  /* Unshared here rather than by the clone: the cgroup namespace's root is the cgroup the parent just placed us
   * in, and a time namespace takes offsets only until its first process enters it (at our execve or fork). */
  if (plan->new_cgroup_ns && unshare(CLONE_NEWCGROUP) != 0) ck_fail(plan, "unshare", errno, "cgroup namespace", 1);
  if (plan->new_time_ns) {
    if (unshare(CLONE_NEWTIME) != 0) ck_fail(plan, "unshare", errno, "time namespace", 1);
    if (plan->time_offsets != NULL)
      ck_write_file(plan, "write time offsets", "/proc/self/timens_offsets", plan->time_offsets);
    /* unshare moves only our children; execve moves us too on newer kernels, not on 6.1 (Debian 12): enter it. */
    int timens = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (timens < 0 || setns(timens, CLONE_NEWTIME) != 0) ck_fail(plan, "setns", errno, "time namespace", 1);
    close(timens);
  }
  if (!plan->double_fork) {
    for (int i = 0; i < plan->join_count; i++) {
      if (plan->join_types[i] == CLONE_NEWUSER) continue; /* joined before the clone */
      if (setns(plan->join_fds[i], plan->join_types[i]) != 0) ck_fail(plan, "setns", errno, "namespace path", 1);
    }
  }

  int terminal = -1;
  int proc_fd = -1;
  if (plan->rootfs != NULL && plan->chroot_only) {
    /* No mount namespace: the rootfs has no /proc of its own, so the exec fifo is reopened through the host's,
     * held from before the chroot (closed before the exec). */
    if (plan->exec_fifo_fd >= 0) proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    ck_chroot_rootfs(plan);
    if (plan->terminal) terminal = ck_open_terminal(plan);
  } else if (plan->rootfs != NULL) {
    ck_setup_rootfs(plan, mntns);
    /* Before the rootfs may turn read-only: /dev/console may have to be created. */
    if (plan->terminal) terminal = ck_open_terminal(plan);
    ck_finish_rootfs(plan);
  } else {
    if (plan->join_count > 0 && chdir("/") != 0) ck_fail(plan, "chdir", errno, "/", 1);
    /* exec: the container's /dev/ptmx, reached through its mount namespace. */
    if (plan->terminal) terminal = ck_open_terminal(plan);
  }
  ck_kernel_settings(plan);
  ck_stdio(plan, terminal);
  if (plan->cwd != NULL && chdir(plan->cwd) != 0) ck_fail(plan, "cwd", errno, plan->cwd, 1);
  if (plan->set_umask) umask(plan->umask);
  else umask(022);

  /* No host fd may reach the program (CVE-2024-21626): everything past stdio closes on exec. */
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 65536; fd++) (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
  }

  ck_send(plan, CK_MSG_CREATED, 0, 0, "created", "");
  if (plan->exec_fifo_fd >= 0) {
    char fifo[64];
    char num[32];
    ck_itoa(num, sizeof num, plan->exec_fifo_fd);
    ck_join(fifo, sizeof fifo, proc_fd >= 0 ? "self/fd/" : "/proc/self/fd/", num);
    int fd;
    do {
      fd = openat(proc_fd >= 0 ? proc_fd : AT_FDCWD, fifo, O_WRONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) ck_fail(plan, "open exec fifo", errno, fifo, 1);
    if (write(fd, "0", 1) != 1) ck_fail(plan, "write exec fifo", errno, fifo, 1);
    close(fd);
    close(plan->exec_fifo_fd);
    if (proc_fd >= 0) close(proc_fd);
  } else if (plan->start_on_sync) {
    do {
      r = read(plan->sync_fd, &go, 1);
    } while (r < 0 && errno == EINTR);
    if (r != 1) _exit(1); /* the creating process went away without starting us */
  }

  if (!plan->no_new_privs) ck_load_seccomp(plan);
  ck_identity(plan);
  if (plan->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    ck_fail(plan, "no_new_privs", errno, "process.noNewPrivileges", 1);
  /* As runc: in the container, with the program's identity and privileges, before a seccomp filter that
   * no_new_privs lets us load last. */
  if (plan->start_container_count > 0)
    ck_run_hooks(plan, "startContainer", plan->start_container_hooks, plan->start_container_count,
                 plan->start_state_fd);
  if (plan->no_new_privs) ck_load_seccomp(plan);

  ck_exec(plan);
}

/* The first stage of the double fork, before its clone: join the namespaces (user first). Not dumpable from here:
 * the process it forks inherits that, so it is never, even before its own prctl, a process of the container's pid
 * namespace whose /proc/PID/exe others may open. */
static void ck_first_stage(const struct ck_plan *plan) {
  (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ck_close_others(plan);
  ck_reset_signals();
  for (int i = 0; i < plan->join_count; i++) {
    if (setns(plan->join_fds[i], plan->join_types[i]) != 0) ck_fail(plan, "setns", errno, "namespace path", 1);
  }
}

/* rootfs.c and mntns.c keep descriptors in globals. A child that shared this process's memory (ck_spawn_shared)
 * left its values in the parent's copy, which a forked child inherits: numbers of descriptors it does not have, or
 * has for something else (closing one closed its sync socket). A forked child starts from none; a shared child
 * with a root file system forgets them under ck_shared_rootfs_lock (one without may run beside one with, so it
 * leaves them alone). */
static void ck_forget_globals(void) {
  ck_rootfs_forget();
  ck_mntns_forget();
}

pid_t ck_spawn(const struct ck_plan *plan) {
  if (!plan->double_fork) {
    /* A user namespace to join must be joined by the parent's clone... which a threaded parent cannot do: so
     * joining a user namespace always takes the double fork. */
    pid_t pid = ck_clone(plan->clone_flags);
    if (pid < 0) return -errno;
    if (pid == 0) {
      ck_forget_globals();
      ck_child(plan);
    }
    return pid;
  }
  pid_t pid = ck_clone(0);
  if (pid < 0) return -errno;
  if (pid > 0) return pid;
  ck_forget_globals();
  /* First stage: join the namespaces, then fork the process that lives in them, as a sibling, so the caller can
   * wait for it. */
  ck_first_stage(plan);
  pid_t child = ck_clone(plan->clone_flags | CLONE_PARENT);
  if (child < 0) ck_fail(plan, "clone", errno, "", 1);
  if (child == 0) ck_child(plan);
  ck_send(plan, CK_MSG_PID, 0, child, "pid", "");
  _exit(0);
}

/* ck_spawn_shared: the children share this process's memory (CLONE_VM, as posix_spawn's vfork) until their exec,
 * on stacks in the caller's region, from a copy of the plan at its top. Not dumpable meanwhile (the shared memory's
 * flag, which is the whole process's): counted, so that the last child to exec gives the process its flag back. */
struct ck_shared {
  struct ck_plan plan;
  char *second_stack;
};

static pthread_mutex_t ck_shared_lock = PTHREAD_MUTEX_INITIALIZER;
/* A root file system's set-up keeps its descriptors in globals (rootfs.c, mntns.c): one such child at a time. */
static pthread_mutex_t ck_shared_rootfs_lock = PTHREAD_MUTEX_INITIALIZER;
static int ck_shared_count;
static int ck_shared_dumpable;

static int ck_shared_child(void *arg) {
  const struct ck_plan *plan = &((struct ck_shared *)arg)->plan;
  if (plan->rootfs != NULL) ck_forget_globals();
  ck_child(plan);
}

static int ck_shared_first_stage(void *arg) {
  struct ck_shared *s = arg;
  ck_first_stage(&s->plan);
  pid_t child = clone(ck_shared_child, s->second_stack, (int)(s->plan.clone_flags | CLONE_PARENT | CLONE_VM), s);
  if (child < 0) ck_fail(&s->plan, "clone", errno, "", 1);
  ck_send(&s->plan, CK_MSG_PID, 0, child, "pid", "");
  _exit(0);
}

static struct ck_shared *ck_shared_in(void *region, size_t size) {
  return (struct ck_shared *)(((uintptr_t)region + size - sizeof(struct ck_shared)) & ~(uintptr_t)63);
}

pid_t ck_spawn_shared(const struct ck_plan *plan, void *region, size_t size) {
  struct ck_shared *s = ck_shared_in(region, size);
  if (plan->rootfs != NULL) pthread_mutex_lock(&ck_shared_rootfs_lock);
  s->plan = *plan;
  s->second_stack = (char *)region + size / 2;
  char *first_stack = (char *)((uintptr_t)s & ~(uintptr_t)63);
  pthread_mutex_lock(&ck_shared_lock);
  if (ck_shared_count++ == 0) {
    ck_shared_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  }
  pthread_mutex_unlock(&ck_shared_lock);
  /* No handler of this process may run on the child's stack before it resets them all. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = plan->double_fork ? clone(ck_shared_first_stage, first_stack, CLONE_VM | SIGCHLD, s)
                                : clone(ck_shared_child, first_stack, (int)plan->clone_flags | CLONE_VM | SIGCHLD, s);
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return pid < 0 ? -err : pid;
}

void ck_spawn_shared_done(void *region, size_t size) {
  if (ck_shared_in(region, size)->plan.rootfs != NULL) pthread_mutex_unlock(&ck_shared_rootfs_lock);
  pthread_mutex_lock(&ck_shared_lock);
  if (--ck_shared_count == 0 && ck_shared_dumpable > 0) (void)prctl(PR_SET_DUMPABLE, ck_shared_dumpable, 0, 0, 0);
  pthread_mutex_unlock(&ck_shared_lock);
}
