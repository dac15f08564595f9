#ifndef CCONTAINERKIT_H
#define CCONTAINERKIT_H
/*
 * The post-clone half of a container start, in C.
 *
 * A Swift process is multithreaded, so after clone() only async-signal-safe code may run in the child. The parent
 * prepares everything in Swift (a `ck_plan`: flat arrays of C strings and integers, a compiled seccomp BPF program)
 * and calls `ck_spawn`; the child only walks the plan with system calls. Failures travel back to the parent over the
 * sync socket as a `ck_message` (step, errno, object), never as a bare exit code.
 */
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Messages on the sync socket (SOCK_SEQPACKET), child to parent. EOF after CK_MSG_CREATED means the exec worked. */
enum {
  CK_MSG_ERROR = 1,   /* step, err, object say what failed; the child exits */
  CK_MSG_HOOKS = 2,   /* rootfs mounted, before pivot_root: run prestart/createRuntime hooks, then send "g" */
  CK_MSG_CREATED = 3, /* everything set up; waiting on the exec fifo (or about to exec) */
  CK_MSG_PID = 4,     /* double fork: `value` is the pid of the process that will exec */
  CK_MSG_HOOK_ERROR = 5, /* a hook run by the child failed: step is the hook kind, object its path; `err` says why it
                          * could not run (ETIMEDOUT: killed after its timeout, `value` seconds), else `value` is its
                          * exit status (or -signal); the child exits */
  CK_MSG_TERMINAL = 6,   /* the pty master the child opened on the container's /dev/ptmx rides along (SCM_RIGHTS) */
};

struct ck_message {
  int32_t kind;
  int32_t err;
  int32_t value;
  char step[48];
  char object[1024];
  char output[256]; /* CK_MSG_HOOK_ERROR: the end of the hook's stderr */
};

enum {
  CK_BIND_NONE = 0,
  CK_BIND = 1,
  CK_RBIND = 2,
};

enum {
  CK_DEST_DIR = 0,
  CK_DEST_FILE = 1,
};

struct ck_mount {
  const char *source;
  const char *destination; /* absolute path inside the container */
  const char *fstype;
  const char *data;
  unsigned long flags;       /* MS_RDONLY, MS_NOSUID... without MS_BIND/MS_REC */
  unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC), or 0 */
  int bind;                  /* CK_BIND_NONE, CK_BIND, CK_RBIND */
  int dest_kind;             /* CK_DEST_DIR or CK_DEST_FILE: what to create when the destination is missing */
  const char *fallback_source; /* when the mount is refused (EPERM, e.g. sysfs in a user namespace): rbind this */
  const char *symlink_target;  /* not a mount: a symlink at destination pointing here */
  int remount;                 /* not a new mount: bind-remount the one at destination with `flags` */
  int optional;                /* a missing source (ENOENT) skips the step */
};

struct ck_device {
  const char *path;      /* inside the container */
  const char *host_path; /* bind this when mknod is not allowed (user namespace) or when set and prefer_bind */
  uint32_t mode;         /* S_IFCHR/S_IFBLK/S_IFIFO | permissions */
  uint32_t major, minor;
  uint32_t uid, gid;
  int prefer_bind;
};

/* A hook the child runs itself (createContainer before pivot_root, startContainer before the program's execve):
 * fork, the state on stdin, execve, wait with the timeout. */
struct ck_hook {
  const char *path;
  const char *const *argv;
  const char *const *envp;
  int timeout; /* seconds; 0 for none */
};

struct ck_rlimit {
  int resource;
  uint64_t soft, hard;
};

struct ck_plan {
  /* process creation */
  uint64_t clone_flags;   /* CLONE_NEW* to create */
  uint64_t unshare_flags; /* CLONE_NEW* the child makes itself, first thing, while the parent sets up its cgroup */
  const int *join_fds;    /* namespaces to join (open fds of /proc/PID/ns/X), user namespace first */
  const int *join_types;  /* CLONE_NEW* of each */
  int join_count;
  int double_fork;        /* join a pid namespace: fork once more (CLONE_PARENT) so the new process is in it */
  int new_user_ns;        /* become root of the new user namespace once the parent wrote the maps */
  int sync_fd;            /* child end of the sync socket */

  /* filesystem (skipped when rootfs is NULL: exec into a running container) */
  const char *rootfs;
  unsigned long rootfs_propagation;
  int rootfs_readonly;
  int no_pivot;
  int chroot_only; /* no mount namespace (none new, none joined): chroot into rootfs, mount nothing */
  const struct ck_mount *mounts;
  int mount_count;
  const struct ck_device *devices;
  int device_count;
  int dev_symlinks; /* /dev is a fresh tmpfs: add fd, stdin, stdout, stderr, ptmx links */
  const char *const *masked_paths;
  int masked_count;
  const char *const *readonly_paths;
  int readonly_count;
  int hooks_barrier;
  int console_mount;
  /* Build the container's mount namespace from this small template (an fd of its nsfs file) instead of a copy of
   * the caller's, whose length grows with every mount on the host: see ck_template_enter. Taken only when
   * use_mntns_template is set and the plan allows it; otherwise the classic copy and pivot_root. */
  int use_mntns_template;
  int mntns_template_fd; /* bind the terminal's slave on /dev/console, as runc and crun do */

  /* hooks run in the container's namespaces; each reads the state JSON from its fd (a memfd the parent fills
   * once it knows the pid), rewound before every hook */
  const struct ck_hook *create_container_hooks;
  int create_container_count;
  int create_state_fd;
  const struct ck_hook *start_container_hooks;
  int start_container_count;
  int start_state_fd;

  /* namespaces unshared by the child rather than created by the clone */
  int new_cgroup_ns;         /* after the parent placed the child in its cgroup: that cgroup becomes the root */
  int new_time_ns;           /* offsets must be written before any process enters: unshare, write, then execve */
  const char *time_offsets;  /* "monotonic S N\nboottime S N\n" for /proc/self/timens_offsets, or NULL */

  /* kernel settings */
  const char *hostname;
  const char *domainname;
  const char *const *sysctl_files; /* /proc/sys/... */
  const char *const *sysctl_values;
  int sysctl_count;
  const struct ck_rlimit *rlimits;
  int rlimit_count;
  int oom_score_adj;
  int set_oom_score_adj;

  /* stdio */
  int stdio[3];    /* dup'ed onto 0, 1, 2 when >= 0 */
  /* A pty from the container's own devpts (its /dev/ptmx, once the rootfs is in place): the slave becomes the
   * controlling terminal and 0, 1, 2; the master goes to the parent as CK_MSG_TERMINAL. */
  int terminal;
  uint16_t terminal_rows, terminal_cols; /* the initial window size; 0 leaves the kernel's */
  int exec_fifo_fd; /* O_PATH fd of the exec fifo: block on it until `start`; -1 to go on at once */
  int start_on_sync; /* without an exec fifo: wait for one more byte on sync_fd (the creating process's start) */

  /* identity and privileges */
  const char *cwd;
  int set_umask;
  uint32_t umask;
  uint32_t uid, gid;
  const uint32_t *groups;
  int group_count;
  int set_caps;
  int cap_last;
  uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
  int no_new_privs;
  const void *seccomp_filter; /* struct sock_filter[] */
  int seccomp_len;
  unsigned int seccomp_flags;

  /* the program */
  const char *const *argv;
  const char *const *envp;
  /* The program is exec'd through the sealed exec trampoline (ck_trampoline_create; close-on-exec), never directly:
   * no process in the container may run the host binary this child is a clone of (CVE-2019-5736). exec_argv is
   * the trampoline's argv: a free slot the child fills with the program's resolved path, then argv. */
  int exec_fd;
  const char **exec_argv;
  /* Instead of argv: the trampoline's pause init (argv {""}), which holds the namespaces, lets the kernel reap the
   * orphans re-parented to it, and dies with the thread that cloned it (parent-death signal SIGKILL). */
  int pause_init;
};

/* clone(2) namespace flags, for Swift (Glibc's module does not export them). */
enum {
  CK_CLONE_NEWTIME = 0x00000080,
  CK_CLONE_NEWNS = 0x00020000,
  CK_CLONE_NEWCGROUP = 0x02000000,
  CK_CLONE_NEWUTS = 0x04000000,
  CK_CLONE_NEWIPC = 0x08000000,
  CK_CLONE_NEWUSER = 0x10000000,
  CK_CLONE_NEWPID = 0x20000000,
  CK_CLONE_NEWNET = 0x40000000,
};

/* Clones the child and runs the plan in it. Returns the pid (of the direct child; with double_fork the
 * final pid arrives as CK_MSG_PID), or -errno. */
pid_t ck_spawn(const struct ck_plan *plan);

/* ck_spawn for a plan that goes straight to its exec: the children share this process's memory until then
 * (CLONE_VM; no page table copied), on stacks in `region` (size bytes, at least 128 KiB), from a copy of `plan`
 * made there. The caller keeps `region`, and every string `plan` points to, until the child has exec'd or exited
 * (EOF on the sync socket), then calls ck_spawn_shared_done() with the same region (once per call, even a failed
 * one), on the same thread. Until then this whole process is not dumpable; and with a root file system to set up,
 * no other such spawn starts (its steps keep descriptors in globals). Returns as ck_spawn. */
pid_t ck_spawn_shared(const struct ck_plan *plan, void *region, size_t size);
void ck_spawn_shared_done(void *region, size_t size);

/* Host-side helpers kept in C because they are plain system calls with awkward Swift signatures. */

/* Makes a template for ck_plan.mntns_template_fd: a mount namespace holding only a read-only, empty tmpfs root
 * with a directory `s`, created by a child process, bound onto `pin` (an existing file) so it outlives the
 * process. 0 or -errno. */
int ck_mntns_template_create(const char *pin);
/* 1 when fd is a namespace file (nsfs), as a pin is once made; 0 for the empty file it starts as. */
int ck_is_nsfs(int fd);
int ck_send_fd(int socket_fd, int fd);
/* One message from the sync socket (`size` bytes at most) and the fd it carries, else *passed = -1. Returns the
 * message's length, 0 at EOF, or -errno. */
long ck_recv_message(int socket_fd, void *buf, unsigned long size, int *passed);
int ck_set_winsize(int fd, uint16_t rows, uint16_t cols);
/* A sealed memfd (close-on-exec, mode 0111: execute-only, every seal: no write, resize or change of the execute
 * bits; F_SEAL_EXEC leaves the read bits to the owner and CAP_FOWNER) holding the exec
 * trampoline, a tiny static ELF that runs execve(argv[0], &argv[1], envp). -errno on failure. */
int ck_trampoline_create(void);
/* A sealed memfd holding `size` bytes with permission bits `mode` (the trampoline's 0111: see trampoline.c), or a
 * copy of the file open on `src_fd` (sendfile; 0777). -errno on failure. */
int ck_sealed_memfd(const char *name, const void *bytes, unsigned long size, unsigned int mode);
int ck_sealed_copy(int src_fd, const char *name);
/* 1 when no process can change the file open on fd, whatever path it reopens it by: a memfd sealed against writes
 * and shrinking, or a file on a read-only mount. */
int ck_is_sealed(int fd);
/* execveat(fd, "", argv, envp, AT_EMPTY_PATH); returns -errno when it fails. */
int ck_execveat(int fd, char *const argv[], char *const envp[]);
/* The fallback of ck_close_all_but on kernels without close_range (before 5.9): closes the open fds in
 * [first, last] as /proc/self/fd lists them. Exported for its tests, which cannot make the kernel lack the call. */
void ck_close_range_without_syscall(unsigned int first, unsigned int last);
/* pipe2(O_CLOEXEC): no other thread's child may inherit either end. */
int ck_pipe(int fds[2]);
/* makedev(3), a macro Swift cannot call: the device number of `major`:`minor` (rootswap.c). */
dev_t ck_dev_number(unsigned int major, unsigned int minor);
/* The i-th symbolic link a container's /dev gets (rootfs.c): its target and name in /dev. 0, or -1 past the last.
 * For ContainerSandbox's reset, which puts /dev back as the runtime made it. */
int ck_dev_link(int i, const char **target, const char **name);
/* Replaces the root file system of the running container whose mount namespace is `mntns` (an fd) with a clone of
 * the mount at `new_root` (a host path), keeping its init and namespaces (rootswap.c). Its top-level submounts
 * (`paths`, absolute inside the container) move onto the new root; every process whose root was the old one is
 * moved to the new one. The caller's thread waits for a helper in that namespace. 0, or -errno with *step and
 * *object naming what failed. With `ipcns` (an fd, or -1) the container's IPC namespace, the helper first removes
 * every System V IPC object in it, unless it is the caller's own. */
int ck_swap_root(int mntns, int ipcns, const char *new_root, const char *const *paths, int count, const char **step,
                 const char **object);

#ifdef __cplusplus
}
#endif
#endif
