#!/bin/sh
# guest/linux/ must be what scripts/gen-linux-patches makes of its own
# patches and the shared files, and apply with git am alone.
. tests/lib/report.sh
check "guest/linux/ is a fresh generation and applies with git am" \
	scripts/gen-linux-patches --check
summary
