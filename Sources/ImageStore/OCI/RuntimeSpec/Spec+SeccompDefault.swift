extension Spec.Seccomp {
  /// Docker's default profile resolved for a container holding `capabilities` on this host: what `docker run`
  /// applies when no `--security-opt seccomp=` is given. Built in code, so no file is needed at run time.
  public static func docker(capabilities: [String]) -> Spec.Seccomp {
    // The built-in profile has no field the resolver can refuse.
    (try? Spec.SeccompProfile.docker.resolved(capabilities: capabilities))
      ?? Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW")
  }
}

extension Spec.SeccompProfile {
  /// Docker's default profile (moby's `profiles/seccomp`, as of Docker 25-27), written from its rules:
  ///
  /// - Everything not listed fails with EPERM (a syscall newer than the list with ENOSYS: see
  ///   `SeccompCompiler`). The list is what ordinary programs use; what it leaves out
  ///   reaches state that is not namespaced (keyrings: `keyctl`, `add_key`, `request_key`; the clock; kernel
  ///   modules; `kexec_load`; swap; `acct`), has been a frequent source of kernel exploits (`userfaultfd`,
  ///   `io_uring_*`, removed by Docker 25, `bpf`, `perf_event_open`), or builds new namespaces and mounts from
  ///   inside the container (`unshare`, `setns`, `mount`, the new mount API), which is how most container
  ///   escapes start.
  /// - `clone` is allowed only without namespace flags, and `clone3`, whose flags sit in memory a filter cannot
  ///   read, fails with ENOSYS so that glibc falls back to `clone`; both are open with CAP_SYS_ADMIN.
  /// - `personality` is allowed for the values programs use (PER_LINUX, PER_LINUX32, either with UNAME26, and
  ///   the query 0xffffffff), not the flags that change how the kernel lays out or maps the program's memory
  ///   (`ADDR_NO_RANDOMIZE`, `READ_IMPLIES_EXEC`...).
  /// - `socket` is allowed for every family but AF_VSOCK, which talks to the hypervisor.
  /// - A capability opens the calls it exists to permit: CAP_SYS_ADMIN the namespace and mount calls,
  ///   CAP_SYS_PTRACE `kcmp`, `pidfd_getfd`, `process_madvise`, CAP_SYS_BOOT `reboot`, CAP_SYS_MODULE the module
  ///   calls, and so on, so `--cap-add` keeps working without `seccomp=unconfined`.
  /// - `ptrace` and `process_vm_*` are allowed on kernels from 4.8, where a traced process can no longer use
  ///   them to step around its own filter; before, only with CAP_SYS_PTRACE.
  public static let docker: Spec.SeccompProfile = {
    // Split on the bytes: Character's isWhitespace (Unicode properties per character) was most of the cost of
    // building this profile, which every container start of the engine pays once.
    func names(_ text: String) -> [String] {
      text.utf8.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }).map {
        String(decoding: $0, as: UTF8.self)
      }
    }
    func caps(_ c: String...) -> Filter { Filter(caps: c) }
    func arches(_ a: String...) -> Filter { Filter(arches: a) }
    func arg(_ index: UInt32, _ op: String, _ value: UInt64) -> [Spec.Seccomp.Arg] {
      [Spec.Seccomp.Arg(index: index, value: value, op: op)]
    }
    // CLONE_NEWNS | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWCGROUP.
    let namespaceFlags: UInt64 =
      0x0002_0000 | 0x0400_0000 | 0x0800_0000 | 0x1000_0000 | 0x2000_0000 | 0x4000_0000
      | 0x0200_0000
    let allowed = names(
      """
      accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
      clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep
      clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3
      epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old
      eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate
      fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr
      flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate
      ftruncate64 futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat
      getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32
      getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid
      getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid
      gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch
      io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup
      io_submit ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32
      lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64
      madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock
      mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64
      mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall
      munmap name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause pidfd_open
      pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64
      preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2
      read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages
      removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask
      rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
      sched_getaffinity sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min
      sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr
      sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
      semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32
      setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid
      setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt
      set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack
      signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64 statfs statfs64 statx
      symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete
      timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime
      timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname
      unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
      """)
    var rules: [Rule] = [
      Rule(allowed),
      Rule(names("process_vm_readv process_vm_writev ptrace"), includes: Filter(minKernel: "4.8")),
      Rule(["socket"], args: arg(0, "SCMP_CMP_NE", 40)),  // AF_VSOCK
    ]
    // PER_LINUX, PER_LINUX32, UNAME26 with each, the query: one rule each, since the values are alternatives.
    for p: UInt64 in [0, 0x0008, 0x20000, 0x20008, 0xffff_ffff] {
      rules.append(Rule(["personality"], args: arg(0, "SCMP_CMP_EQ", p)))
    }
    rules += [
      Rule(names("sync_file_range2 swapcontext"), includes: arches("ppc64le")),
      Rule(
        names("arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls"),
        includes: arches("arm", "arm64")),
      Rule(["arch_prctl"], includes: arches("amd64", "x32")),
      Rule(["modify_ldt"], includes: arches("amd64", "x32", "x86")),
      Rule(names("s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr"), includes: arches("s390", "s390x")),
      Rule(["riscv_flush_icache"], includes: arches("riscv64")),
      Rule(["open_by_handle_at"], includes: caps("CAP_DAC_READ_SEARCH")),
      Rule(
        names(
          """
          bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr
          move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog umount
          umount2 unshare
          """), includes: caps("CAP_SYS_ADMIN")),
      // s390 passes clone's flags second.
      Rule(
        ["clone"], args: arg(0, "SCMP_CMP_MASKED_EQ", namespaceFlags),
        excludes: Filter(caps: ["CAP_SYS_ADMIN"], arches: ["s390", "s390x"])),
      Rule(
        ["clone"], args: arg(1, "SCMP_CMP_MASKED_EQ", namespaceFlags), includes: arches("s390", "s390x"),
        excludes: caps("CAP_SYS_ADMIN")),
      Rule(["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38, excludes: caps("CAP_SYS_ADMIN")),  // ENOSYS
      Rule(["reboot"], includes: caps("CAP_SYS_BOOT")),
      Rule(["chroot"], includes: caps("CAP_SYS_CHROOT")),
      Rule(names("delete_module init_module finit_module"), includes: caps("CAP_SYS_MODULE")),
      Rule(["acct"], includes: caps("CAP_SYS_PACCT")),
      Rule(
        names("kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace"),
        includes: caps("CAP_SYS_PTRACE")),
      Rule(names("iopl ioperm"), includes: caps("CAP_SYS_RAWIO")),
      Rule(names("settimeofday stime clock_settime clock_settime64"), includes: caps("CAP_SYS_TIME")),
      Rule(["vhangup"], includes: caps("CAP_SYS_TTY_CONFIG")),
      Rule(names("get_mempolicy mbind set_mempolicy set_mempolicy_home_node"), includes: caps("CAP_SYS_NICE")),
      Rule(["syslog"], includes: caps("CAP_SYSLOG")),
      Rule(["bpf"], includes: caps("CAP_BPF")),
      Rule(["perf_event_open"], includes: caps("CAP_PERFMON")),
    ]
    let archMap = [
      ArchitectureGroup(architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
      ArchitectureGroup(architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"]),
      ArchitectureGroup(
        architecture: "SCMP_ARCH_MIPS64", subArchitectures: ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"]),
      ArchitectureGroup(
        architecture: "SCMP_ARCH_MIPSEL64", subArchitectures: ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"]),
      ArchitectureGroup(architecture: "SCMP_ARCH_S390X", subArchitectures: ["SCMP_ARCH_S390"]),
      ArchitectureGroup(architecture: "SCMP_ARCH_RISCV64"),
    ]
    return Spec.SeccompProfile(
      defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, archMap: archMap, syscalls: rules)
  }()
}
