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

/* rootfs.c */
void ck_setup_rootfs(const struct ck_plan *plan);
void ck_finish_rootfs(const struct ck_plan *plan);
int ck_mkdir_p(char *path, mode_t mode);
int ck_make_file(const char *path);

/* mntns.c: the container's mount namespace from a template (ck_plan.use_mntns_template). */
extern int ck_tpl_active;
int ck_template_enter(const struct ck_plan *plan);
void ck_template_skeleton(const struct ck_plan *plan);
void ck_template_finish(const struct ck_plan *plan);
const char *ck_template_source(const struct ck_plan *plan, const struct ck_mount *m);
const char *ck_template_fallback(const struct ck_plan *plan, const struct ck_mount *m);
const char *ck_template_device(const struct ck_plan *plan, const struct ck_device *d);
#endif
