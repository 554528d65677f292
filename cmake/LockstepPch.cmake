# lockstep_precompile(<target> [JSON] [TESTS]): precompiles the third-party headers
# nearly every file of <target> includes (the standard library, fmt, and with JSON
# nlohmann, with TESTS GoogleTest).
#
# Why: parsing those headers was 70-90% of each file's compile time (g++
# -ftime-report on a 25-line checker: 8 s parsing, 1 s code generation), and CI
# builds the tree twice (gcc, and clang with sanitizers) on 2 cores. Only targets of
# several files get one: a precompiled header costs about one file's compile.
# The project's own headers are never precompiled, so editing them rebuilds as
# usual; LOCKSTEP_PCH=OFF turns it off (e.g. to check each file's own includes).
option(LOCKSTEP_PCH "Precompile third-party headers (faster builds)" ON)

set(LOCKSTEP_PCH_COMMON
  <algorithm> <array> <chrono> <cstddef> <cstdint> <filesystem> <fstream>
  <functional> <map> <memory> <optional> <set> <sstream> <string> <string_view>
  <vector> <fmt/format.h>)

function(lockstep_precompile target)
  cmake_parse_arguments(ARG "JSON;TESTS" "" "" ${ARGN})
  # A unity build parses those headers once per batch already; a precompiled
  # header would cost more than it saves there.
  if(NOT LOCKSTEP_PCH OR CMAKE_UNITY_BUILD)
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  list(LENGTH sources count)
  if(count LESS 3)
    return()
  endif()
  set(headers ${LOCKSTEP_PCH_COMMON})
  if(ARG_JSON)
    list(APPEND headers <nlohmann/json.hpp>)
  endif()
  if(ARG_TESTS)
    list(APPEND headers <gtest/gtest.h> <gmock/gmock.h>)
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
