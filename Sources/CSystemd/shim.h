/* The only place Swift sees systemd's C headers. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1   /* call the plain functions, no macro rewrite */
#include <sys/types.h>
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-id128.h>
/* struct ucred sits behind _GNU_SOURCE, which Swift's Glibc module lacks: mirror it. */
struct csd_ucred { pid_t pid; uid_t uid; gid_t gid; };
