#!/usr/bin/env bash
# The test executables that run again under ASan+UBSan in CI (in the clang tree
# the fuzzers use, scripts/test.sh): the engine and time (pure code, where UBSan
# matters most) and the hostile-input regressions (tests/hostile, issue 14: deep
# nesting, secrets, clock overflow, hostile children, report directories, server
# limits). Kept short on purpose: each one adds its files' instrumented compile
# to CI, which must stay under 20 minutes on 2 cores. The mock's handler, the
# loaders and the SUT protocol run under ASan+UBSan through their fuzzers.
echo "core_tests"
echo "time_tests"
echo "hostile_tests"
