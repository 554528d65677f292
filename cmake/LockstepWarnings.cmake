# lockstep_target_defaults(<target>): the warning set every lockstep target uses,
# promoted to errors when LOCKSTEP_WERROR is on (CI), and the sanitizers when asked.
add_library(lockstep_options INTERFACE)
add_library(lockstep::options ALIAS lockstep_options)
target_compile_options(lockstep_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual
  # Left out of test executables (LOCKSTEP_TEST) and unity builds: there g++ 12
  # reports nlohmann code inlined across files as null (a false positive that
  # appears with precompiled headers and unity batches).
  $<$<NOT:$<OR:$<BOOL:$<TARGET_PROPERTY:LOCKSTEP_TEST>>,$<BOOL:${CMAKE_UNITY_BUILD}>>>:-Wnull-dereference>
  -Wno-missing-field-initializers  # designated initializers omit fields on purpose
  $<$<BOOL:${LOCKSTEP_WERROR}>:-Werror>)
# In a unity build a file's anonymous namespace is no longer its main file's, and
# g++ warns about every type that uses it (harmless: one translation unit).
if(CMAKE_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(lockstep_options INTERFACE -Wno-subobject-linkage)
endif()
if(LOCKSTEP_SANITIZE)
  target_compile_options(lockstep_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(lockstep_options INTERFACE -fsanitize=address,undefined)
endif()
install(TARGETS lockstep_options EXPORT lockstepTargets)

function(lockstep_target_defaults target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:lockstep::options>)
endfunction()

# Sanitizer flags must reach every object, including third-party headers compiled
# into ours, so they are applied globally as well.
if(LOCKSTEP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
