#!/usr/bin/env bash
# The test executables that run again under ASan+UBSan in CI: the unit tests
# (engine, time, rules, mock handler, client) and the hostile-input regressions
# (tests/hostile, issue 14). Slow end-to-end suites stay out.
echo "core_tests"
echo "report_tests"
echo "client_tests"
echo "mock_tests"
echo "time_tests"
echo "hostile_tests"
