/* Linux interfaces Swift's Glibc module leaves out (it is built without _GNU_SOURCE). */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <signal.h>
/* struct ucred needs _GNU_SOURCE: mirrored for SO_PEERCRED. */
struct clinux_ucred { pid_t pid; uid_t uid; gid_t gid; };
static const int clinux_so_peercred = SO_PEERCRED;
