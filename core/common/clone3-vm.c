/* clone3-vm.c: clone3(2) for a child that shares our memory (see clone3-vm.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "clone3-vm.h"

#include <errno.h>
#include <sys/syscall.h>

long
sv_clone3_vm (struct clone_args *args, int (*fn) (void *), void *arg)
{
#if defined(__x86_64__)
  register long rax __asm__("rax") = SYS_clone3;
  register struct clone_args *rdi __asm__("rdi") = args;
  register long rsi __asm__("rsi") = (long) sizeof *args;
  /* Callee-saved: the child finds them as the parent left them. */
  register int (*r12) (void *) __asm__("r12") = fn;
  register void *r13 __asm__("r13") = arg;

  /* The child (rax 0) starts at the top of its stack, 16-byte aligned as a call needs it:
   * no frame pointer, fn (arg), then exit (2) with fn's value. */
  __asm__ volatile("syscall\n\t"
                   "test %%rax, %%rax\n\t"
                   "jnz 1f\n\t"
                   "xor %%ebp, %%ebp\n\t"
                   "mov %%r13, %%rdi\n\t"
                   "call *%%r12\n\t"
                   "mov %%eax, %%edi\n\t"
                   "mov %[nr_exit], %%eax\n\t"
                   "syscall\n\t"
                   "ud2\n"
                   "1:"
                   : "+r"(rax)
                   : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13), [nr_exit] "i"(SYS_exit)
                   : "rcx", "r11", "memory");
  return rax;
#else
  (void) args;
  (void) fn;
  (void) arg;
  return -ENOSYS;
#endif
}
