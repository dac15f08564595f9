/* The container's mount namespace built from a small template instead of a copy of the caller's.
 *
 * unshare(CLONE_NEWNS) copies every mount of the caller's namespace, and pivot_root then walks every task on the
 * system while the old root's detach walks every copied mount again: with a thousand containers running (one
 * overlay each on the host), that is most of a start's kernel time. Here the child instead clones, while still in
 * the host's namespace, only the trees it needs (the rootfs, each bind source, /proc for path resolution), enters
 * a template namespace that holds one empty read-only tmpfs, unshares a copy of that, and attaches the clones in
 * a scratch tmpfs at the same paths the classic code uses. A clone of a shared mount is its peer, as in a copy,
 * until the rootfs propagation change (rslave by default) that follows, before anything is mounted under one. In
 * the end the host's clones but the rootfs are detached, and the rootfs is moved onto the namespace's root and
 * chrooted into: below it lie only the empty template and scratch tmpfs, so there is nothing of the host to
 * escape to, and no pivot_root (which walks every task on the system) is needed.
 *
 * Runs in the child (system calls only). The template is made once per host by ck_mntns_template_create. */
#define _GNU_SOURCE
#include "internal.h"

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

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

#define CK_TPL_MAX 128
#define CK_TPL_DIR "/.ck-sources"

int ck_tpl_active;
static int ck_tpl_root = -1, ck_tpl_proc = -1, ck_tpl_nsroot = -1;
/* Per mount: the clone of its bind source, of its fallback source; per device: of its host path. -1 for none. */
static int ck_tpl_source[CK_TPL_MAX], ck_tpl_fallback[CK_TPL_MAX], ck_tpl_device[CK_TPL_MAX];
static char ck_tpl_path[3][CK_TPL_MAX][32];

static int ck_clone_tree(const char *path, int recursive) {
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  return (int)syscall(SYS_open_tree, AT_FDCWD, path, flags);
}

static int ck_has_prefix(const char *s, const char *prefix) {
  size_t n = ck_strlen(prefix);
  return strncmp(s, prefix, n) == 0 && (s[n] == '\0' || s[n] == '/');
}

/* What the template path cannot do the same way as the classic one: those plans keep the copy and pivot_root. */
static int ck_template_allowed(const struct ck_plan *plan) {
  if (!plan->use_mntns_template || plan->rootfs == NULL || plan->rootfs[0] != '/') return 0;
  if (!(plan->unshare_flags & CLONE_NEWNS) || plan->new_user_ns) return 0;
  /* Joining another namespace is fine (after the clones, as ever); a user or mount namespace is not. */
  for (int i = 0; i < plan->join_count; i++)
    if (plan->join_types[i] == CLONE_NEWUSER || plan->join_types[i] == CLONE_NEWNS) return 0;
  /* createContainer hooks see the host's paths; shared propagation is meant to reach the host. */
  if (plan->create_container_count > 0 || (plan->rootfs_propagation & MS_SHARED)) return 0;
  if (plan->mount_count > CK_TPL_MAX || plan->device_count > CK_TPL_MAX) return 0;
  if (ck_has_prefix(plan->rootfs, "/proc") || ck_has_prefix(plan->rootfs, CK_TPL_DIR) || plan->rootfs[1] == '\0')
    return 0;
  for (int i = 0; i < plan->mount_count; i++) {
    const struct ck_mount *m = &plan->mounts[i];
    /* A shared mount is meant to reach the host's peers; relative sources are the bundle's. Private, slave and
     * unbindable ones (Docker's binds are rprivate) work on the clones as on a copy. */
    if (m->propagation & MS_SHARED) return 0;
    if (m->bind != CK_BIND_NONE && m->source != NULL && m->source[0] != '/' && !m->remount && !m->symlink_target)
      return 0;
  }
  return 1;
}

static void ck_template_abandon(void) {
  int *sets[] = {ck_tpl_source, ck_tpl_fallback, ck_tpl_device};
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < CK_TPL_MAX; i++)
      if (sets[s][i] >= 0) {
        close(sets[s][i]);
        sets[s][i] = -1;
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

int ck_template_enter(const struct ck_plan *plan) {
  for (int i = 0; i < CK_TPL_MAX; i++) ck_tpl_source[i] = ck_tpl_fallback[i] = ck_tpl_device[i] = -1;
  if (!ck_template_allowed(plan)) return 0;
  ck_tpl_root = ck_clone_tree(plan->rootfs, 1);
  ck_tpl_proc = ck_clone_tree("/proc", 0);
  int ok = ck_tpl_root >= 0 && ck_tpl_proc >= 0;
  for (int i = 0; ok && i < plan->mount_count; i++) {
    const struct ck_mount *m = &plan->mounts[i];
    if (m->symlink_target != NULL || m->remount) continue;
    if (m->bind != CK_BIND_NONE && ck_clone_into(&ck_tpl_source[i], m->source, m->bind == CK_RBIND) != 0) ok = 0;
    if (ok && ck_clone_into(&ck_tpl_fallback[i], m->fallback_source, 1) != 0) ok = 0;
  }
  for (int i = 0; ok && i < plan->device_count; i++)
    if (ck_clone_into(&ck_tpl_device[i], plan->devices[i].host_path, 0) != 0) ok = 0;
  /* Entering the template is the last step that can still fall back: past it, the host's paths are gone. */
  if (!ok || setns(plan->mntns_template_fd, CLONE_NEWNS) != 0) {
    ck_template_abandon();
    return 0;
  }
  ck_tpl_active = 1;
  return 1;
}

static int ck_attach(int fd, const char *path) {
  struct stat st;
  if (fstat(fd, &st) != 0) return -1;
  char buf[4096];
  ck_join(buf, sizeof buf, path, NULL);
  if (S_ISDIR(st.st_mode)) {
    if (ck_mkdir_p(buf, 0755) != 0) return -1;
  } else if (ck_make_file(buf) != 0) {
    return -1;
  }
  return (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
}

/* In the fresh copy of the template: a writable scratch root holding the clones at the paths the rest of the
 * child uses (the rootfs at its host path, /proc, each source under CK_TPL_DIR). */
void ck_template_skeleton(const struct ck_plan *plan) {
  if (mount("ckit-scratch", "/s", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=256k,mode=0755") != 0)
    ck_fail(plan, "mount scratch root", errno, "/s", 1);
  /* The namespace's own root, where the rootfs goes in the end: setns (exec, nsenter) starts there. */
  ck_tpl_nsroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ck_tpl_nsroot < 0) ck_fail(plan, "open", errno, "/", 1);
  if (chdir("/s") != 0 || chroot(".") != 0) ck_fail(plan, "enter scratch root", errno, "/s", 1);
  if (ck_attach(ck_tpl_proc, "/proc") != 0) ck_fail(plan, "attach", errno, "/proc", 1);
  if (mkdir(CK_TPL_DIR, 0700) != 0 ||
      mount("ckit-sources", CK_TPL_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0700") != 0)
    ck_fail(plan, "mount", errno, CK_TPL_DIR, 1);
  int *sets[] = {ck_tpl_source, ck_tpl_fallback, ck_tpl_device};
  const char kinds[] = {'m', 'f', 'd'};
  /* Paths only for the plan's own mounts and devices (ck_template_allowed caps both at CK_TPL_MAX). */
  const int counts[] = {plan->mount_count, plan->mount_count, plan->device_count};
  for (int s = 0; s < 3; s++) {
    for (int i = 0; i < counts[s]; i++) {
      char num[16], name[16];
      ck_itoa(num, sizeof num, i);
      name[0] = kinds[s];
      name[1] = '\0';
      ck_join(ck_tpl_path[s][i], sizeof ck_tpl_path[s][i], CK_TPL_DIR "/", name);
      ck_join(ck_tpl_path[s][i], sizeof ck_tpl_path[s][i], ck_tpl_path[s][i], num);
      if (sets[s][i] < 0) continue;
      if (ck_attach(sets[s][i], ck_tpl_path[s][i]) != 0) ck_fail(plan, "attach", errno, ck_tpl_path[s][i], 1);
      close(sets[s][i]);
      sets[s][i] = -1;
    }
  }
  if (ck_attach(ck_tpl_root, plan->rootfs) != 0) ck_fail(plan, "attach rootfs", errno, plan->rootfs, 1);
  close(ck_tpl_root);
  close(ck_tpl_proc);
  ck_tpl_root = ck_tpl_proc = -1;
}

const char *ck_template_source(const struct ck_plan *plan, const struct ck_mount *m) {
  if (!ck_tpl_active) return m->source;
  return ck_tpl_path[0][m - plan->mounts];
}

const char *ck_template_fallback(const struct ck_plan *plan, const struct ck_mount *m) {
  if (!ck_tpl_active) return m->fallback_source;
  return ck_tpl_path[1][m - plan->mounts];
}

const char *ck_template_device(const struct ck_plan *plan, const struct ck_device *d) {
  if (!ck_tpl_active || d->host_path == NULL) return d->host_path;
  return ck_tpl_path[2][d - plan->devices];
}

/* Instead of pivot_root: drop the host's clones, move the rootfs onto the namespace's root (so that setns, which
 * starts at the topmost mount there, finds it, as it does a pivoted root) and chroot into it. */
void ck_template_finish(const struct ck_plan *plan) {
  if (umount2(CK_TPL_DIR, MNT_DETACH) != 0) ck_fail(plan, "unmount", errno, CK_TPL_DIR, 1);
  if (umount2("/proc", MNT_DETACH) != 0) ck_fail(plan, "unmount", errno, "/proc", 1);
  int root = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) ck_fail(plan, "open", errno, plan->rootfs, 1);
  if (syscall(SYS_move_mount, AT_FDCWD, plan->rootfs, ck_tpl_nsroot, "", MOVE_MOUNT_T_EMPTY_PATH) != 0)
    ck_fail(plan, "move rootfs", errno, plan->rootfs, 1);
  if (fchdir(root) != 0 || chroot(".") != 0) ck_fail(plan, "chroot", errno, plan->rootfs, 1);
  close(root);
  close(ck_tpl_nsroot);
  ck_tpl_nsroot = -1;
}

int ck_mntns_template_create(const char *pin) {
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

int ck_is_nsfs(int fd) {
  struct statfs fs;
  return fstatfs(fd, &fs) == 0 && fs.f_type == 0x6e736673; /* NSFS_MAGIC */
}
