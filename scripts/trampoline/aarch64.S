/* The exec trampoline for aarch64 (see Sources/ContainerKit/CContainerKit/trampoline.c and generate.py).
 * Entered with the kernel's initial stack: argc, argv[0..argc-1], NULL, envp..., NULL.
 * Runs execve(argv[0], &argv[1], envp): argv[0] is the program's resolved path, the rest its own argv.
 * On failure: "<path>: exec failed: errno N\n" on stderr, exit 127 for ENOENT, else 126.
 * With one empty argument (argv = {""}), the pause init instead: SIGCHLD ignored, so that the kernel reaps the
 * orphans re-parented to it, not dumpable (the sandbox's processes neither open its /proc/1/fd nor ptrace it),
 * then it waits until stdin hangs up (a pipe whose write ends are all closed: its owner
 * died) and exits, or, when stdin cannot hang up (/dev/null, closed), sleeps in ppoll() with no fds until killed. */
        .text
        .globl _start
_start:
        ldr     x9, [sp]                    /* argc */
        add     x1, sp, #16                 /* &argv[1]: the program's own argv */
        add     x2, x1, x9, lsl #3          /* envp: past argv's NULL */
        cmp     x9, #2
        b.lo    fewer                       /* a path and an argv[0] at least, or the pause init, or a mistake */
        ldr     x0, [sp, #8]                /* argv[0]: the path */
        mov     x8, #221                    /* execve */
        svc     #0
        neg     x19, x0                     /* errno */
        ldr     x20, [sp, #8]
        sub     sp, sp, #32                 /* room for the decimal errno */
        mov     x1, x20                     /* write(2, path, strlen(path)) */
        mov     x2, x20
length: ldrb    w3, [x2]
        cbz     w3, counted
        add     x2, x2, #1
        b       length
counted:
        sub     x2, x2, x1
        bl      error
        adr     x1, failed
        mov     x2, #(failed_end - failed)
        bl      error
        add     x1, sp, #32                 /* digits backwards from the end of the room, then '\n' */
        mov     w3, #10
        strb    w3, [x1, #-1]!
        mov     x4, x19
        mov     x10, #10
digit:  udiv    x5, x4, x10
        msub    x6, x5, x10, x4
        add     w6, w6, #'0'
        strb    w6, [x1, #-1]!
        mov     x4, x5
        cbnz    x4, digit
        add     x2, sp, #32
        sub     x2, x2, x1
        bl      error
        mov     x0, #126
        cmp     x19, #2                     /* ENOENT */
        b.ne    leave
        mov     x0, #127
        b       leave
fewer:  cmp     x9, #1
        b.ne    nothing
        ldr     x0, [sp, #8]
        ldrb    w3, [x0]
        cbnz    w3, nothing
        sub     sp, sp, #32                 /* the pause init: rt_sigaction(SIGCHLD, {SIG_IGN}, NULL, 8) */
        mov     x3, #1                      /* sa_handler: SIG_IGN; flags, restorer, mask: 0 */
        stp     x3, xzr, [sp]
        stp     xzr, xzr, [sp, #16]
        mov     x0, #17                     /* SIGCHLD */
        mov     x1, sp
        mov     x2, #0
        mov     x3, #8
        mov     x8, #134                    /* rt_sigaction */
        svc     #0
        mov     x0, #4                      /* prctl(PR_SET_DUMPABLE, 0): no process of the sandbox opens */
        mov     x1, #0                      /* /proc/1/fd/0 (the owner's pipe) or ptraces pid 1 */
        mov     x8, #167                    /* prctl */
        svc     #0
watch:  str     xzr, [sp]                   /* ppoll({fd 0, events 0}, 1, NULL, NULL, 0): POLLHUP, POLLERR, POLLNVAL */
        mov     x0, sp
        mov     x1, #1
        mov     x2, #0
        mov     x3, #0
        mov     x4, #0
        mov     x8, #73                     /* ppoll */
        svc     #0
        cmn     x0, #4                      /* -EINTR */
        b.eq    watch
        ldrh    w3, [sp, #6]
        tbz     w3, #4, sleep               /* revents & POLLHUP: every write end of the pipe on stdin is closed */
        mov     x0, #0                      /* the owner is gone: exit, and the kernel kills the pid namespace */
        b       leave
sleep:  mov     x0, #0                      /* ppoll(NULL, 0, NULL, NULL, 0): only SIGKILL ends it */
        mov     x1, #0
        mov     x2, #0
        mov     x3, #0
        mov     x4, #0
        mov     x8, #73                     /* ppoll */
        svc     #0
        b       sleep
nothing:
        adr     x1, none
        mov     x2, #(none_end - none)
        bl      error
        mov     x0, #127
leave:  mov     x8, #94                     /* exit_group */
        svc     #0
error:  mov     x0, #2                      /* write(2, x1, x2) */
        mov     x8, #64
        svc     #0
        ret
failed: .ascii  ": exec failed: errno "
failed_end:
none:   .ascii  "ckit exec trampoline: nothing to execute\n"
none_end:
