/* The container's mount namespace built from a small template instead of a copy of the caller's.
 *
 * unshare(CLONE_NEWNS) copies every mount of the caller's namespace, and pivot_root then walks every task on the
 * system while the old root's detach walks every copied mount again: with a thousand containers running (one
 * overlay each on the host), that is most of a start's kernel time. Here the child instead clones, while still in
 * the host's namespace, only the trees it needs (the rootfs, each bind source, /proc for path resolution), enters
 * a template namespace that holds one empty read-only tmpfs, unshares a copy of that, and attaches the clones in
 * a scratch tmpfs: the rootfs at its host path, and /proc. The clones of the bind sources stay detached until
 * rootfs.c attaches each onto its destination's checked descriptor, as the classic path attaches its own clones
 * (ck_template_take). A clone of a shared mount is its peer, as in a copy, until it gets the rootfs propagation
 * (rslave by default). In the end /proc is detached, and the rootfs is moved onto the namespace's root and
 * chrooted into: below it lie only the empty template and scratch tmpfs, so there is nothing of the host to
 * escape to, and no pivot_root (which walks every task on the system) is needed.
 *
 * Runs in the child (system calls only). The template is made once per host by ck_mntns_template_create. */
#define _GNU_SOURCE
#include "internal.h"
#include "mountapi.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>


#define CK_TPL_MAX 128

static int ck_tpl_root = -1, ck_tpl_proc = -1, ck_tpl_nsroot = -1;
/* Per mount: the clone of its bind source, of its fallback source; per device: of its host path. -1 for none. */
static int ck_tpl_clones[3][CK_TPL_MAX];

static int ck_clone_tree(const char *path, int recursive) { return ck_tree(AT_FDCWD, path, recursive); }

void ck_mntns_forget(void) {
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < CK_TPL_MAX; i++) ck_tpl_clones[s][i] = -1;
  ck_tpl_root = ck_tpl_proc = ck_tpl_nsroot = -1;
}

static void ck_template_abandon(void) {
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < CK_TPL_MAX; i++)
      if (ck_tpl_clones[s][i] >= 0) {
        close(ck_tpl_clones[s][i]);
        ck_tpl_clones[s][i] = -1;
      }
  if (ck_tpl_root >= 0) close(ck_tpl_root);
  if (ck_tpl_proc >= 0) close(ck_tpl_proc);
  ck_tpl_root = ck_tpl_proc = -1;
}

/* A clone of path into *fd; a missing path leaves -1 (the mount then fails or is skipped as it would on the
 * host). 0, or -1 for any other failure: the caller gives the template up. */
static int ck_clone_into(int *fd, const char *path, int recursive) {
  if (path == NULL) return 0;
  *fd = ck_clone_tree(path, recursive);
  if (*fd >= 0 || errno == ENOENT || errno == ENOTDIR) return 0;
  return -1;
}

static void ck_template_skeleton(const struct ck_plan *plan);
static int ck_template_take(const struct ck_plan *plan, int set, int index, const char *path, int recursive);
static void ck_template_finish(const struct ck_plan *plan, int rootfd);

static const struct ck_mntns_strategy ck_template_mntns = {
    .prepare = ck_template_skeleton,
    .source_tree = ck_template_take,
    .enter_root = ck_template_finish,
};

const struct ck_mntns_strategy *ck_mntns_choose(const struct ck_plan *plan) {
  /* The counts are Swift's to keep below CK_TPL_MAX; checked again only because the arrays are fixed. Globals
   * untouched before: a child that shares the process's memory (ck_spawn_shared) with no rootfs may run beside
   * one that has. */
  if (!plan->use_mntns_template || plan->rootfs == NULL || plan->mount_count > CK_TPL_MAX ||
      plan->device_count > CK_TPL_MAX)
    return &ck_classic_mntns;
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < CK_TPL_MAX; i++) ck_tpl_clones[s][i] = -1;
  ck_tpl_root = ck_clone_tree(plan->rootfs, 1);
  ck_tpl_proc = ck_clone_tree("/proc", 0);
  int ok = ck_tpl_root >= 0 && ck_tpl_proc >= 0;
  for (int i = 0; ok && i < plan->mount_count; i++) {
    const struct ck_mount *m = &plan->mounts[i];
    if (m->symlink_target != NULL || m->remount) continue;
    if (m->bind != CK_BIND_NONE && ck_clone_into(&ck_tpl_clones[CK_TPL_SOURCE][i], m->source, m->bind == CK_RBIND) != 0)
      ok = 0;
    if (ok && ck_clone_into(&ck_tpl_clones[CK_TPL_FALLBACK][i], m->fallback_source, 1) != 0) ok = 0;
  }
  for (int i = 0; ok && i < plan->device_count; i++)
    if (ck_clone_into(&ck_tpl_clones[CK_TPL_DEVICE][i], plan->devices[i].host_path, 0) != 0) ok = 0;
  /* Entering the template is the last step that can still fall back: past it, the host's paths are gone. */
  if (!ok || setns(plan->mntns_template_fd, CLONE_NEWNS) != 0) {
    ck_template_abandon();
    return &ck_classic_mntns;
  }
  return &ck_template_mntns;
}

/* mkdir -p, in the scratch root (our own tmpfs: no path there is the image's). */
static int ck_mkdir_p(char *path) {
  size_t n = ck_strlen(path);
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char saved = path[i];
    path[i] = '\0';
    int r = mkdir(path, 0755);
    int e = errno;
    path[i] = saved;
    if (r != 0 && e != EEXIST) {
      errno = e;
      return -1;
    }
  }
  return 0;
}

static int ck_attach(int fd, const char *path) {
  char buf[4096];
  ck_join(buf, sizeof buf, path, NULL);
  if (ck_mkdir_p(buf) != 0) return -1;
  return (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
}

/* In the fresh copy of the template: a writable scratch root holding the rootfs at its host path and the host's
 * /proc (whose /proc/self/fd the mounts of rootfs.c target). The clones of the mounts' sources stay detached until
 * rootfs.c attaches each onto its checked destination. */
static void ck_template_skeleton(const struct ck_plan *plan) {
  if (mount("ckit-scratch", "/s", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=256k,mode=0755") != 0)
    ck_fail(plan, "mount scratch root", errno, "/s", 1);
  /* The namespace's own root, where the rootfs goes in the end: setns (exec, nsenter) starts there. */
  ck_tpl_nsroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ck_tpl_nsroot < 0) ck_fail(plan, "open", errno, "/", 1);
  if (chdir("/s") != 0 || chroot(".") != 0) ck_fail(plan, "enter scratch root", errno, "/s", 1);
  if (ck_attach(ck_tpl_proc, "/proc") != 0) ck_fail(plan, "attach", errno, "/proc", 1);
  if (ck_attach(ck_tpl_root, plan->rootfs) != 0) ck_fail(plan, "attach rootfs", errno, plan->rootfs, 1);
  close(ck_tpl_root);
  close(ck_tpl_proc);
  ck_tpl_root = ck_tpl_proc = -1;
}

static int ck_template_take(const struct ck_plan *plan, int set, int index, const char *path, int recursive) {
  (void)path;
  (void)recursive;
  int fd = ck_tpl_clones[set][index];
  ck_tpl_clones[set][index] = -1;
  if (fd < 0) {
    errno = ENOENT;
    return -1;
  }
  /* Cloned in the host's namespace: a clone of a shared mount is still its peer there. It gets the propagation
   * the rest of the namespace got (rslave by default) before it is attached, so that nothing mounted on or below
   * it in the container reaches the host. */
  unsigned long propagation = plan->rootfs_propagation ? plan->rootfs_propagation : MS_SLAVE;
  if (ck_tree_propagation(fd, propagation | MS_REC) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

/* Instead of pivot_root: drop the host's /proc and the clones no step used, move the rootfs onto the namespace's
 * root (so that setns, which starts at the topmost mount there, finds it, as it does a pivoted root) and chroot
 * into it. */
static void ck_template_finish(const struct ck_plan *plan, int rootfd) {
  ck_template_abandon();
  if (umount2("/proc", MNT_DETACH) != 0) ck_fail(plan, "unmount", errno, "/proc", 1);
  if (syscall(SYS_move_mount, rootfd, "", ck_tpl_nsroot, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    ck_fail(plan, "move rootfs", errno, plan->rootfs, 1);
  if (fchdir(rootfd) != 0 || chroot(".") != 0) ck_fail(plan, "chroot", errno, plan->rootfs, 1);
  close(ck_tpl_nsroot);
  ck_tpl_nsroot = -1;
}

/* One try: a child makes the template's namespace (on `cpu`, unless -1) and the caller binds it onto the pin. */
static int ck_template_try(const char *pin, int cpu) {
  int ready[2], done[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return -errno;
  if (pipe2(done, O_CLOEXEC) != 0) {
    int e = errno;
    close(ready[0]);
    close(ready[1]);
    return -e;
  }
  /* The tmpfs is mounted over the pin's directory, in the child's private copy only. */
  char dir[4096];
  ck_join(dir, sizeof dir, pin, NULL);
  size_t n = ck_strlen(dir);
  while (n > 0 && dir[n - 1] != '/') n--;
  dir[n > 1 ? n - 1 : 1] = '\0';
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(ready[0]);
    close(ready[1]);
    close(done[0]);
    close(done[1]);
    return -e;
  }
  if (pid == 0) {
    char c = 0;
    close(ready[0]);
    close(done[1]);
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      (void)sched_setaffinity(0, sizeof set, &set);
    }
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) _exit(1);
    if (mount("ckit-template", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0755") != 0) _exit(1);
    if (chdir(dir) != 0 || mkdir("s", 0755) != 0) _exit(1);
    if (syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0 || chdir("/") != 0) _exit(1);
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
      _exit(1);
    if (write(ready[1], &c, 1) != 1) _exit(1);
    (void)read(done[0], &c, 1);
    _exit(0);
  }
  close(ready[1]);
  close(done[0]);
  char c, path[64], num[24];
  int result = 0;
  if (read(ready[0], &c, 1) != 1) {
    result = -ECHILD;
  } else {
    ck_itoa(num, sizeof num, pid);
    ck_join(path, sizeof path, "/proc/", num);
    ck_join(path, sizeof path, path, "/ns/mnt");
    if (mount(path, pin, NULL, MS_BIND, NULL) != 0) result = -errno;
  }
  close(ready[0]);
  close(done[1]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

/* The kernel refuses (EINVAL) to bind a mount namespace whose id is not above the binding process's own (a loop
 * check), and on Linux 6.18 namespace ids come in per-CPU batches: a template made on a CPU whose batch lags the
 * one our namespace came from is refused, every time until that batch runs out. Seen on this 2-CPU host: from one
 * namespace, templates made on CPU 0 failed and those made on CPU 1 were bound. So a refusal is retried with the
 * child on each CPU in turn. */
int ck_mntns_template_create(const char *pin) {
  int r = ck_template_try(pin, -1);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  for (int cpu = 0; r == -EINVAL && cpu < cpus && cpu < CPU_SETSIZE; cpu++) r = ck_template_try(pin, cpu);
  return r;
}

int ck_is_nsfs(int fd) {
  struct statfs fs;
  return fstatfs(fd, &fs) == 0 && fs.f_type == 0x6e736673; /* NSFS_MAGIC */
}
