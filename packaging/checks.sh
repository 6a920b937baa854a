# The counting shared by packaging/deb-test.sh and rpm-test.sh: each check prints
# "PASS: ..." or "FAIL: ..." and summary ends with the "N passed, M failed" line CI reads.

passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
# fail DESCRIPTION [DETAIL-LINE ...]
fail() {
    echo "FAIL: $1"
    shift
    [ $# = 0 ] || printf '%s\n' "$@" | sed 's/^/      /'
    failed=$((failed + 1))
}
# expect DESCRIPTION ACTUAL EXPECTED
expect() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1" "expected: ${3:-(nothing)}" "got:      ${2:-(nothing)}"
    fi
}
# summary: the line CI reads; exits non-zero when a check failed.
summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
    exit
}
