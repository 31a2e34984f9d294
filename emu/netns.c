/*
 * Network namespaces (emu/netns.h).  Commands are iproute2's, run as child
 * processes: the runner speaks to the kernel through the same tool a
 * person would use to look at what it built.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu/netns.h"

#define MAX_WORDS 64

int
netns_cmd(char *err, size_t errlen, const char *fmt, ...)
{
	char line[1024], out[512];
	char *argv[MAX_WORDS + 1], *save = NULL;
	int pfd[2], n = 0, status;
	ssize_t got = 0, r;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *w = strtok_r(line, " ", &save); w != NULL && n < MAX_WORDS;
	    w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	if (n == 0 || pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		/* a group of its own: a second Ctrl-C during the teardown
		 * reaches the runner, not the ip taking a namespace down */
		(void)setpgid(0, 0);
		dup2(devnull, 1);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	/* signals (no SA_RESTART in the runner) interrupt, and are retried */
	while (got < (ssize_t)sizeof(out) - 1) {
		r = read(pfd[0], out + got, sizeof(out) - 1 - (size_t)got);
		if (r > 0)
			got += r;
		else if (r == 0 || errno != EINTR)
			break;
	}
	close(pfd[0]);
	out[got] = '\0';
	while (got > 0 && (out[got - 1] == '\n' || out[got - 1] == ' '))
		out[--got] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		snprintf(err, errlen, "'%s' failed: %s", line,
		    got > 0 ? out : "no message");
	}
	return -1;
}

int
netns_enter(const char *ns)
{
	static int home = -1;   /* the namespace the process began in */
	char path[512];
	int fd, rc;

	if (home < 0 && (home = open("/proc/self/ns/net", O_RDONLY |
	    O_CLOEXEC)) < 0)
		return -1;
	if (ns == NULL)
		return setns(home, CLONE_NEWNET);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

pid_t
netns_spawn(const char *ns, const char *log, char *const argv[])
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0)
		return pid;
	/* the child: into the namespace, tied to the runner's life */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(126);
	/* a group of its own: a Ctrl-C at the terminal reaches the runner,
	 * which stops its children in order */
	(void)setpgid(0, 0);
	if (ns != NULL && netns_enter(ns) < 0) {
		fprintf(stderr, "namespace %s: %s\n", ns, strerror(errno));
		_exit(126);
	}
	{
		int fd = open(log != NULL ? log : "/dev/null",
		    O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
	}
	/* a fresh signal state: the runner's handlers are not the child's */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
netns_list(const char *prefix, char ***names)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	char **v = NULL;
	int n = 0;

	*names = NULL;
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)) != NULL) {
		char **nv;

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if ((nv = realloc(v, (size_t)(n + 1) * sizeof(*v))) == NULL ||
		    (nv[n] = strdup(e->d_name)) == NULL) {
			if (nv != NULL)
				v = nv;
			netns_list_free(v, n);
			closedir(d);
			return -1;
		}
		v = nv;
		n++;
	}
	closedir(d);
	*names = v;
	return n;
}

void
netns_list_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
