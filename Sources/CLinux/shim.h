/* Linux interfaces Swift's Glibc module leaves out (it is built without _GNU_SOURCE). */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <signal.h>
/* MCEIO (tracefs): fstatfs and struct statfs, to tell tracefs files from plain captures. */
#include <sys/vfs.h>
/* struct ucred needs _GNU_SOURCE: mirrored for SO_PEERCRED. */
struct clinux_ucred { pid_t pid; uid_t uid; gid_t gid; };
static const int clinux_so_peercred = SO_PEERCRED;
/* MCEResponse (triggers): GNU posix_spawn file actions (glibc >= 2.29 / 2.34, behind _GNU_SOURCE)
   and pidfd_open (Linux 5.3; no glibc wrapper before 2.36, and syscall() is variadic). */
#include <spawn.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *__restrict,
                                                const char *__restrict);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *, int);
static inline int clinux_pidfd_open(pid_t pid, unsigned int flags) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, flags);
#else
    errno = ENOSYS;
    return -1;
#endif
}
