/* syscalls.c - the few newlib hooks the firmware needs: stubs for file I/O, which the firmware does not use
 * (output goes through semihosting in board.c). The heap is heap.c's; _sbrk only refuses. */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

void *_sbrk(int incr) { (void)incr; errno = ENOMEM; return (void *)-1; }
int _write(int fd, const void *p, int n) { (void)fd; (void)p; return n; }
int _read(int fd, void *p, int n) { (void)fd; (void)p; (void)n; return 0; }
int _close(int fd) { (void)fd; return -1; }
int _lseek(int fd, int o, int w) { (void)fd; (void)o; (void)w; return 0; }
int _fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int _isatty(int fd) { (void)fd; return 1; }
void _exit(int code) { extern void board_exit(int); board_exit(code); for (;;) {} }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
int _getpid(void) { return 1; }
