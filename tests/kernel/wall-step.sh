#!/bin/sh
# The built-in driver steps the guest's wall clock at bind by injecting
# the offset (do_adjtimex(), ADJ_SETOFFSET: docs/guest-driver.md): its
# one "stepped" line, no "cannot step", in both page modes. The RTC
# gives the clock whole seconds at boot, so a bind always steps.
. tests/lib/report.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/wall.sh" <<'GUEST'
#!/bin/sh
sleep 1
dmesg | grep -e 'wall clock' -e 'cannot step'
echo "GUEST-REALTIME $(date +%s)"
GUEST
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
for mode in device ivshmem; do
	before=$(date +%s)
	tests/kernel/guest.py --mode "$mode" --file "$work/wall.sh:/bin/wall.sh" \
		-- /bin/sh /bin/wall.sh >"$work/$mode.log" 2>&1
	rc=$?
	after=$(date +%s)
	grep -e 'wall clock' -e 'cannot step' -e GUEST-REALTIME "$work/$mode.log"
	check "$mode: the guest ran (guest.py exit $rc)" [ "$rc" -eq 0 ]
	check "$mode: the driver stepped the wall clock at bind" \
		grep -q 'wall clock stepped by' "$work/$mode.log"
	check "$mode: no step failed" \
		sh -c "! grep -q 'cannot step' '$work/$mode.log'"
	g=$(sed -n 's/.*GUEST-REALTIME \([0-9]*\).*/\1/p' "$work/$mode.log")
	check "$mode: guest CLOCK_REALTIME ${g:-?} within the host's [$before, $after]" \
		in_range "$g" "$before" "$after"
done
summary
