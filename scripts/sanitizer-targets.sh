#!/usr/bin/env bash
# The test executables that run again under ASan+UBSan in CI: the unit tests
# (engine, time, rules, mock handler, client). Slow end-to-end suites stay out.
echo "core_tests"
echo "report_tests"
echo "client_tests"
echo "mock_tests"
echo "time_tests"
