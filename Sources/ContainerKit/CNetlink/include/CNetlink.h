#ifndef CNETLINK_H
#define CNETLINK_H
/*
 * The two namespace calls ContainerNetwork needs and Swift's Glibc module does not show (they are behind
 * _GNU_SOURCE). They change only the calling thread's network namespace, so ContainerNetwork calls them from a
 * thread of its own, never from a thread of Swift's concurrency pool.
 */

#ifdef __cplusplus
extern "C" {
#endif

/* setns(fd, CLONE_NEWNET): the calling thread joins the network namespace open at `fd`. -1 and errno on failure. */
int cnl_enter_netns(int fd);

/* unshare(CLONE_NEWNET): the calling thread gets a new network namespace. -1 and errno on failure. */
int cnl_unshare_netns(void);

#ifdef __cplusplus
}
#endif

#endif
