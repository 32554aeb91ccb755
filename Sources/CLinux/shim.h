/* Linux interfaces Swift's Glibc module leaves out (it is built without _GNU_SOURCE). */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <signal.h>
