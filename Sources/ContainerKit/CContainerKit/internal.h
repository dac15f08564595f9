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

/* Sends `len` bytes of `buf` with `fd` attached (SCM_RIGHTS). Returns 0 or -errno. Async-signal-safe. */
int ck_send_with_fd(int socket_fd, const void *buf, size_t len, int fd);

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
int ck_open_in_root(int rootfd, const char *rel, int flags);
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

/* rootfs.c */
void ck_setup_rootfs(const struct ck_plan *plan);
void ck_finish_rootfs(const struct ck_plan *plan);

/* mntns.c: the container's mount namespace from a template (ck_plan.use_mntns_template). */
extern int ck_tpl_active;
int ck_template_enter(const struct ck_plan *plan);
void ck_template_skeleton(const struct ck_plan *plan);
void ck_template_finish(const struct ck_plan *plan, int rootfd);
/* The clones taken in the host's namespace, per mount (its bind source, its fallback source) and per device (its
 * host path). */
enum { CK_TPL_SOURCE = 0, CK_TPL_FALLBACK = 1, CK_TPL_DEVICE = 2 };
/* The clone for `index` in `set`, handed over (the caller attaches and closes it), its propagation made the
 * namespace's; -1 with ENOENT when its path was missing on the host. */
int ck_template_take(const struct ck_plan *plan, int set, int index);
#endif
