/* The exec trampoline for x86_64 (see Sources/ContainerKit/CContainerKit/trampoline.c and generate.py).
 * Entered with the kernel's initial stack: argc, argv[0..argc-1], NULL, envp..., NULL.
 * Runs execve(argv[0], &argv[1], envp): argv[0] is the program's resolved path, the rest its own argv.
 * On failure: "<path>: exec failed: errno N\n" on stderr, exit 127 for ENOENT, else 126.
 * With one empty argument (argv = {""}), the pause init instead: SIGCHLD ignored, so that the kernel reaps the
 * orphans re-parented to it, not dumpable (the sandbox's processes neither open its /proc/1/fd nor ptrace it),
 * then it waits until stdin hangs up (a pipe whose write ends are all closed: its owner
 * died) and exits, or, when stdin cannot hang up (/dev/null, closed), until killed. */
        .intel_syntax noprefix
        .text
        .globl _start
_start:
        mov     rcx, [rsp]                  /* argc */
        lea     rsi, [rsp + 16]             /* &argv[1]: the program's own argv */
        lea     rdx, [rsp + rcx*8 + 16]     /* envp: past argv's NULL */
        cmp     rcx, 2
        jb      fewer                       /* a path and an argv[0] at least, or the pause init, or a mistake */
        mov     rdi, [rsp + 8]              /* argv[0]: the path */
        mov     eax, 59                     /* execve */
        syscall
        mov     r12, rax                    /* -errno */
        neg     r12
        mov     r13, [rsp + 8]
        sub     rsp, 32                     /* room for the decimal errno */
        mov     rsi, r13                    /* write(2, path, strlen(path)) */
        mov     rdx, r13
length: cmp     byte ptr [rdx], 0
        je      counted
        inc     rdx
        jmp     length
counted:
        sub     rdx, rsi
        call    error
        lea     rsi, [rip + failed]
        lea     rdx, [rip + failed_end]
        sub     rdx, rsi
        call    error
        lea     rsi, [rsp + 32]             /* digits backwards from the end of the room, then '\n' */
        dec     rsi
        mov     byte ptr [rsi], 10
        mov     rax, r12
        mov     ecx, 10
digit:  xor     edx, edx
        div     rcx
        add     dl, '0'
        dec     rsi
        mov     [rsi], dl
        test    rax, rax
        jnz     digit
        lea     rdx, [rsp + 32]
        sub     rdx, rsi
        call    error
        mov     edi, 126
        cmp     r12, 2                      /* ENOENT */
        jne     leave
        mov     edi, 127
        jmp     leave
fewer:  cmp     rcx, 1
        jne     nothing
        mov     rdi, [rsp + 8]
        cmp     byte ptr [rdi], 0
        jne     nothing
        xor     eax, eax                    /* the pause init: rt_sigaction(SIGCHLD, {SIG_IGN}, NULL, 8) */
        push    rax                         /* sa_mask */
        push    rax                         /* sa_restorer */
        push    rax                         /* sa_flags */
        push    1                           /* sa_handler: SIG_IGN */
        mov     edi, 17                     /* SIGCHLD */
        mov     rsi, rsp
        xor     edx, edx
        mov     r10d, 8
        mov     eax, 13                     /* rt_sigaction */
        syscall
        mov     edi, 4                      /* prctl(PR_SET_DUMPABLE, 0): no process of the sandbox opens */
        xor     esi, esi                    /* /proc/1/fd/0 (the owner's pipe) or ptraces pid 1 */
        mov     eax, 157                    /* prctl */
        syscall
watch:  mov     qword ptr [rsp], 0          /* poll({fd 0, events 0}, 1, -1): only POLLHUP, POLLERR, POLLNVAL */
        mov     rdi, rsp
        mov     esi, 1
        mov     edx, -1
        mov     eax, 7                      /* poll */
        syscall
        cmp     rax, -4                     /* EINTR */
        je      watch
        test    word ptr [rsp + 6], 0x10    /* revents & POLLHUP: every write end of the pipe on stdin is closed */
        jz      sleep
        xor     edi, edi                    /* the owner is gone: exit, and the kernel kills the pid namespace */
        jmp     leave
sleep:  mov     eax, 34                     /* pause: no signal has a handler, so only SIGKILL ends it */
        syscall
        jmp     sleep
nothing:
        lea     rsi, [rip + none]
        lea     rdx, [rip + none_end]
        sub     rdx, rsi
        call    error
        mov     edi, 127
leave:  mov     eax, 231                    /* exit_group */
        syscall
error:  mov     edi, 2                      /* write(2, rsi, rdx) */
        mov     eax, 1
        syscall
        ret
failed: .ascii  ": exec failed: errno "
failed_end:
none:   .ascii  "ckit exec trampoline: nothing to execute\n"
none_end:
