/*
 * Network namespaces for the emulation runner: commands run in them, the
 * calling thread moved into one and back, and the ones a run left behind.
 * The runner is single-threaded, so "the calling thread" is the process.
 */
#ifndef SASEBED_EMU_NETNS_H
#define SASEBED_EMU_NETNS_H

#include <stddef.h>
#include <sys/types.h>

/* Run a command given as one string of words separated by single spaces
 * (no quoting: the runner's names have no spaces), searched in PATH.
 * 0 when it exits 0; else -1 with what it printed on stderr in err. */
int netns_cmd(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Move the calling thread into namespace ns (a name under /run/netns), or
 * back to the one it started in (ns NULL).  0, or -1 with errno. */
int netns_enter(const char *ns);

/* Start a program (argv[0] searched in PATH, or a path) in namespace ns
 * (NULL: the current one) with stdout and stderr to log (NULL: /dev/null),
 * killed with SIGTERM if the runner dies.  The child's pid, or -1. */
pid_t netns_spawn(const char *ns, const char *log, char *const argv[]);

/* The namespaces whose names start with prefix, in *names (each and the
 * array malloc'd); their number, or -1. */
int netns_list(const char *prefix, char ***names);
void netns_list_free(char **names, int n);

#endif
