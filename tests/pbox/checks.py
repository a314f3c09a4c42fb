# SPDX-License-Identifier: MIT
"""PASS/FAIL lines and their count, for the P-Box test drivers beside this
file (each ends with the "N passed, N failed" line the shell scripts read)."""
passed = failed = 0


def check(cond, what):
    global passed, failed
    print("%s %s" % ("PASS" if cond else "FAIL", what))
    passed += bool(cond)
    failed += not cond


def summary():
    """Print the count; the driver's exit status."""
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
