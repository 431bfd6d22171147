/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * Two consumers, two processes each with its own mapping of the file,
 * see one page: with the publisher frozen (SIGSTOP) both read the same
 * snapshot, field for field, and after it resumes both see it move on.
 * This is what lets one tickpaged serve many VMs.
 */
#include "tpd.h"

struct consumer {
	pid_t pid;
	int cmd, res;		/* pipe ends in the parent */
};

/* Child: map the file itself; one snapshot per byte received. */
static void consumer_loop(const char *path, int cmd, int res)
{
	const struct tickpage *tp = tpd_map(path);
	struct tickpage_snapshot s = { 0 };
	char c;

	while (read(cmd, &c, 1) == 1) {
		memset(&s, 0, sizeof(s));
		if (!tp || tickpage_read(tp, &s) != TICKPAGE_OK)
			s.flags = ~0ull;	/* "could not read" */
		if (write(res, &s, sizeof(s)) != sizeof(s))
			break;
	}
	_exit(0);
}

static void consumer_start(struct consumer *c, const char *path)
{
	int cmd[2], res[2];

	if (pipe(cmd) || pipe(res))
		exit(1);
	c->pid = fork();
	if (c->pid == 0) {
		close(cmd[1]);
		close(res[0]);
		consumer_loop(path, cmd[0], res[1]);
	}
	close(cmd[0]);
	close(res[1]);
	c->cmd = cmd[1];
	c->res = res[0];
}

static int consumer_read(struct consumer *c, struct tickpage_snapshot *s)
{
	if (write(c->cmd, "r", 1) != 1 ||
	    read(c->res, s, sizeof(*s)) != sizeof(*s))
		return -1;
	return s->flags == ~0ull ? -1 : 0;
}

int main(void)
{
	const char *path = tpd_path("consumers");
	const struct tickpage *tp;
	struct tickpage_snapshot mine = { 0 }, a = { 0 }, b = { 0 };
	struct consumer ca, cb;
	pid_t pid;
	int i;

	tp = tpd_start_valid(path, NULL, "consumers", &pid);
	if (!tp)
		return report_summary();
	consumer_start(&ca, path);
	consumer_start(&cb, path);

	if (report(tpd_freeze(pid, tp) == 0, "publisher frozen between writes")) {
		int ok = tickpage_read(tp, &mine) == TICKPAGE_OK;

		ok &= consumer_read(&ca, &a) == 0;
		ok &= consumer_read(&cb, &b) == 0;
		report(ok, "both consumers read a valid page");
		report(!memcmp(&a, &b, sizeof(a)) && !memcmp(&a, &mine, sizeof(a)),
		       "both see the same snapshot: generation %llu/%llu, updates %llu/%llu",
		       (unsigned long long)a.generation,
		       (unsigned long long)b.generation,
		       (unsigned long long)a.update_count,
		       (unsigned long long)b.update_count);
		kill(pid, SIGCONT);
		/* Up to 3 s: the daemon may be slow to run again. */
		for (i = 0; i < 300; i++) {
			tpd_sleep_ms(10);
			ok = consumer_read(&ca, &a) == 0 &&
			     consumer_read(&cb, &b) == 0;
			if (ok && a.update_count > mine.update_count &&
			    b.update_count > mine.update_count)
				break;
		}
		report(ok && a.update_count > mine.update_count &&
		       b.update_count > mine.update_count &&
		       a.generation == mine.generation &&
		       b.generation == mine.generation,
		       "both see it move on after resume: updates %llu, %llu > %llu",
		       (unsigned long long)a.update_count,
		       (unsigned long long)b.update_count,
		       (unsigned long long)mine.update_count);
	}
	kill(pid, SIGCONT);

	close(ca.cmd);
	close(cb.cmd);
	waitpid(ca.pid, NULL, 0);
	waitpid(cb.pid, NULL, 0);
	tpd_stop(pid, SIGTERM);
	tpd_cleanup();
	return report_summary();
}
