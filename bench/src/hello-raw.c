/* hello-raw: the libc-free handler — its own _start, two raw system calls
 * (write the line to fd 1, exit_group). Built -nostdlib -static, so the child
 * costs almost nothing after exec and the supervisor's own cost stands out. */

static const char line[] = "hello from hello-raw\n";

#if defined(__x86_64__)
#define SYS_WRITE 1
#define SYS_EXIT_GROUP 231
/* The kernel enters with %rsp 16-byte aligned and pointing at argc; a call
 * pushes the return address, which is the alignment a C function expects. */
__asm__(".globl _start\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  and $-16, %rsp\n"
        "  call raw_main\n"
        "  hlt\n");

static long raw_syscall3(long number, long a, long b, long c)
{
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return result;
}
#elif defined(__aarch64__)
#define SYS_WRITE 64
#define SYS_EXIT_GROUP 94
__asm__(".globl _start\n"
        "_start:\n"
        "  mov x29, #0\n"
        "  mov x30, #0\n"
        "  bl raw_main\n"
        "  brk #0\n");

static long raw_syscall3(long number, long a, long b, long c)
{
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}
#else
#error "hello-raw: only x86_64 and aarch64 are supported"
#endif

__attribute__((noreturn, used)) void raw_main(void)
{
    long length = (long)sizeof line - 1;
    long written = raw_syscall3(SYS_WRITE, 1, (long)line, length);

    raw_syscall3(SYS_EXIT_GROUP, written == length ? 0 : 1, 0, 0);
    for (;;) {
    }
}
