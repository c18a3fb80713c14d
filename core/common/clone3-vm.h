/* clone3-vm.h: clone3(2) for a child that shares our memory (CLONE_VM).
 *
 * glibc 2.36 exports no clone3, and a child of the raw system call with CLONE_VM wakes on its
 * own stack with no frame to return to: it must be started in assembly, as glibc's clone()
 * starts its child.  This is that start for x86-64; elsewhere it answers -ENOSYS and the
 * caller uses clone(2), as it does when a seccomp profile or an old kernel refuses clone3. */
#pragma once

#include <linux/sched.h>

/* clone3 with @args (CLONE_VM, a stack, exit_signal...); the child runs @fn (@arg) on
 * args->stack and exits with its return value.  The child's pid, or -errno (errno is not
 * touched: the child shares it).  Never returns in the child. */
long sv_clone3_vm (struct clone_args *args, int (*fn) (void *), void *arg);
