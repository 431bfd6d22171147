# shellcheck shell=sh
# Apply a patch series to a pristine source tree with git am alone, as a
# maintainer would, under a fixed identity and no one's git configuration.
# The repository goes afterwards: QEMU's configure and Kbuild's
# setlocalversion behave differently inside a git tree.
#
# Usage (sourced): apply_series DIR PATCH...   (cover letters are skipped)
apply_series() (
	dir=$1
	shift
	for p; do
		case ${p##*/} in 0000-*) ;; *) set -- "$@" "$(realpath "$p")" ;; esac
		shift
	done
	cd "$dir" || exit
	export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
	export GIT_AUTHOR_NAME="tickpage build" GIT_COMMITTER_NAME="tickpage build"
	export GIT_AUTHOR_EMAIL=build@tickpage.invalid
	export GIT_COMMITTER_EMAIL=build@tickpage.invalid
	# Callers may test the result, which turns set -e off in here.
	git init -q &&
		git add -A -f &&
		git commit -q --no-verify -m "pristine source" &&
		git am -q --whitespace=nowarn "$@" &&
		rm -rf .git
)
