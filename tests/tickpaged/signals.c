/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Stopping tickpaged cleanly tells every reader to fall back: after
 * SIGTERM, SIGINT, SIGHUP (a closed terminal, or an operator's habit of
 * "reloading" daemons) or SIGQUIT the process exits 0 and the page, still
 * a tickpage (identity intact, seq even), reads as "not valid". Their
 * default actions would kill it with the page left VALID. SIGUSR1
 * without the test seam must not kill the daemon (its default action
 * would).
 */
#include <sys/resource.h>

#include "tpd.h"

static void check_stop(int sig, const char *name)
{
	const char *path = tpd_path("signals");
	const struct tickpage *tp;
	struct tickpage_snapshot s = { 0 };
	pid_t pid;
	int status, err;

	tp = tpd_start_valid(path, NULL, name, &pid);
	if (!tp)
		return;

	if (sig == SIGTERM) {
		kill(pid, SIGUSR1);
		tpd_sleep_ms(50);
		report(waitpid(pid, &status, WNOHANG) == 0 &&
		       tickpage_read(tp, &s) == TICKPAGE_OK,
		       "SIGUSR1 without the test seam: still running and valid");
	}

	status = tpd_stop(pid, sig);
	report(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "%s: exits with status 0 (wait status 0x%x)", name, status);
	err = tickpage_read(tp, &s);
	report(err == TICKPAGE_ERR_INVALID,
	       "%s: page reads as not valid (%s)", name,
	       tickpage_strerror(err));
	report(!(s.flags & TICKPAGE_F_VALID) && !(tp->seq & 1),
	       "%s: VALID clear, seq even (flags 0x%llx, seq %u)", name,
	       (unsigned long long)s.flags, tp->seq);
	report(tickpage_validate(tp) == TICKPAGE_OK,
	       "%s: identity intact, still recognisable as a tickpage", name);
	munmap((void *)tp, TICKPAGE_PAGE_SIZE);
	tpd_cleanup();
}

int main(void)
{
	/* SIGQUIT's default action dumps core: not into the tree. */
	const struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);
	check_stop(SIGTERM, "SIGTERM");
	check_stop(SIGINT, "SIGINT");
	check_stop(SIGHUP, "SIGHUP");
	check_stop(SIGQUIT, "SIGQUIT");
	return report_summary();
}
