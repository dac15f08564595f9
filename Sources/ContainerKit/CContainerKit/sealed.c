/* Sealed executables: files no process can change, for the binaries a container process can reach through
 * /proc/PID/exe (CVE-2019-5736). Host side only (not after clone). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* An executable memfd (MFD_EXEC where the kernel knows it: with vm.memfd_noexec=1 a memfd is otherwise created
 * without its x bits), open for writing, close-on-exec. */
static int ck_exec_memfd(const char *name) {
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING); /* before Linux 6.3 */
  return fd;
}

/* Every seal: no write, no resize, no mode change (F_SEAL_EXEC, where known), no further seal change. */
static int ck_seal(int fd) {
  int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_EXEC) == 0) return 0;
  if (errno != EINVAL) return -1;
  return fcntl(fd, F_ADD_SEALS, seals); /* before Linux 6.3 */
}

/* The end of filling a memfd: sealed and returned when `filled`, else (or when sealing fails) closed, -errno. */
static int ck_seal_or_close(int fd, int filled) {
  if (filled && ck_seal(fd) == 0) return fd;
  int err = errno ? errno : EIO;
  close(fd);
  return -err;
}

int ck_sealed_memfd(const char *name, const void *bytes, unsigned long size, unsigned int mode) {
  int fd = ck_exec_memfd(name);
  if (fd < 0) return -errno;
  const char *p = bytes;
  unsigned long done = 0;
  errno = 0;
  while (done < size) {
    ssize_t n = write(fd, p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (unsigned long)n;
  }
  /* Before the seals: F_SEAL_EXEC forbids any later chmod. */
  return ck_seal_or_close(fd, done == size && fchmod(fd, (mode_t)mode) == 0);
}

int ck_sealed_copy(int src_fd, const char *name) {
  struct stat st;
  if (fstat(src_fd, &st) != 0) return -errno;
  int fd = ck_exec_memfd(name);
  if (fd < 0) return -errno;
  off_t offset = 0;
  errno = 0;
  while (offset < st.st_size) {
    ssize_t n = sendfile(fd, src_fd, &offset, (size_t)(st.st_size - offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  return ck_seal_or_close(fd, offset >= st.st_size);
}

int ck_is_sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_SHRINK)) return 1;
  struct statvfs vfs;
  return fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

int ck_execveat(int fd, char *const argv[], char *const envp[]) {
  syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
  return -errno;
}
