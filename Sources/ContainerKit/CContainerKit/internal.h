#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H
#include "CContainerKit.h"

/* Reports (step, errno, object) to the parent and exits. Async-signal-safe. */
__attribute__((noreturn)) void ck_fail(const struct ck_plan *plan, const char *step, int err, const char *object,
                                       int status);
int ck_send(const struct ck_plan *plan, int kind, int err, int value, const char *step, const char *object);
size_t ck_strlen(const char *s);
/* dst = a + b, truncated to size; returns dst. */
char *ck_join(char *dst, size_t size, const char *a, const char *b);

/* rootfs.c */
void ck_setup_rootfs(const struct ck_plan *plan);
void ck_finish_rootfs(const struct ck_plan *plan);
#endif
