#define _GNU_SOURCE
#include "CNetlink.h"

#include <sched.h>

int cnl_enter_netns(int fd) { return setns(fd, CLONE_NEWNET); }

int cnl_unshare_netns(void) { return unshare(CLONE_NEWNET); }
