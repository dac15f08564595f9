#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H
#include "CContainerKit.h"

#include <sys/types.h>

/* Reports (step, errno, object) to the parent and exits. Async-signal-safe. */
__attribute__((noreturn)) void ck_fail(const struct ck_plan *plan, const char *step, int err, const char *object,
                                       int status);
int ck_send(const struct ck_plan *plan, int kind, int err, int value, const char *step, const char *object);
size_t ck_strlen(const char *s);
/* dst = a + b, truncated to size; returns dst. */
char *ck_join(char *dst, size_t size, const char *a, const char *b);

/* fds.h: ck_send_with_fd, ck_recv_with_fd (SCM_RIGHTS), ck_close_all_but (shared with ckit-monitor). */
#include "fds.h"

/* Decimal text of v, truncated to size. */
void ck_itoa(char *buf, size_t size, long v);
/* The Go-style lower-case reason for an errno ("no such file or directory"). */
const char *ck_errname(int err);

/* hooks.c: runs `count` hooks in order, each with `state_fd` on stdin; a failure is reported as CK_MSG_HOOK_ERROR
 * (or on stderr when the parent is gone) and the child exits. */
void ck_run_hooks(const struct ck_plan *plan, const char *kind, const struct ck_hook *hooks, int count, int state_fd);

/* terminal.c: opens a pty on the container's /dev/ptmx, sends its master to the parent, binds the slave on
 * /dev/console when the plan says so, and returns the slave. Fails the child on error. */
int ck_open_terminal(const struct ck_plan *plan);

/* mounts.c: paths inside the rootfs resolved in the root, and mounts made onto the descriptor that was resolved. */
/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) of `rel` below `rootfd`: every symlink resolved as if `rootfd`
 * were "/". A leading '/' is ignored; "" is `rootfd` itself. */
int ck_open_in_root(int rootfd, const char *rel, int flags); /* retries EAGAIN (a ".." raced with a mount) */
/* "/proc/self/fd/N": the target of a mount(2) call that must land on fd's file and nowhere else. */
void ck_fd_path(char *buf, size_t size, int fd);
/* A detached clone (open_tree OPEN_TREE_CLONE) of `path` below `dirfd`, or of `dirfd` itself when path is NULL. */
int ck_tree(int dirfd, const char *path, int recursive);
/* mount_setattr on a tree or a mount's root: the propagation (MS_REC recursive), or the per-mount flags of
 * `flags` (MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, atime), set without clearing any other. 0 or -1. */
int ck_tree_propagation(int tree, unsigned long propagation);
int ck_tree_flags(int fd, unsigned long flags);
/* move_mount of a detached tree onto the descriptor `target`. */
int ck_attach_tree(int tree, int target);
int ck_is_mount_root_fd(int fd);

/* How the container's mount namespace is built, chosen once in the child by ck_mntns_choose: from a copy of the
 * caller's (classic, rootfs.c) or from the template (mntns.c). ck_setup_rootfs runs the same steps with either;
 * they differ only in what the namespace starts from, where a bind's source tree comes from, and how the rootfs
 * becomes the root. */
struct ck_mntns_strategy {
  /* In the container's new mount namespace, before the propagation change and the first mount. */
  void (*prepare)(const struct ck_plan *plan);
  /* The detached tree to bind for mount or device `index` (`set`: CK_TPL_SOURCE, CK_TPL_FALLBACK, CK_TPL_DEVICE),
   * whose host path is `path`; -1 with errno (ENOENT: the path is missing). */
  int (*source_tree)(const struct ck_plan *plan, int set, int index, const char *path, int recursive);
  /* Makes the rootfs (`rootfd`, also the cwd) the process's root. */
  void (*enter_root)(const struct ck_plan *plan, int rootfd);
};
enum { CK_TPL_SOURCE = 0, CK_TPL_FALLBACK = 1, CK_TPL_DEVICE = 2 };

/* rootfs.c */
extern const struct ck_mntns_strategy ck_classic_mntns;
void ck_setup_rootfs(const struct ck_plan *plan, const struct ck_mntns_strategy *ns);
void ck_finish_rootfs(const struct ck_plan *plan);
/* No mount namespace: the hooks' barrier and createContainer hooks, then a chroot into the rootfs. */
void ck_chroot_rootfs(const struct ck_plan *plan);

/* mntns.c: the strategy the plan asked for (ck_plan.use_mntns_template, decided in Swift by
 * ChildPlan.usesMountNamespaceTemplate), run before the namespaces are unshared: the template's once the host's
 * trees are cloned and the template entered, else (a clone failed) the classic one. */
const struct ck_mntns_strategy *ck_mntns_choose(const struct ck_plan *plan);

/* Forgets the rootfs descriptor an earlier child left in the global that rootfs.c keeps it in: a child that shares
 * the process's memory (ck_spawn_shared) sees what the one before it wrote there, an fd of that child's table. */
void ck_rootfs_forget(void);
/* The template's descriptors (mntns.c), forgotten likewise. */
void ck_mntns_forget(void);
#endif
