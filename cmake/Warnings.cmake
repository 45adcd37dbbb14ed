# carnet_warnings: the warning flags for the project's own code. Third-party headers are
# included as SYSTEM so -Werror applies to our code only. -Werror only where it is asked for
# (tools/dev and CI): a packager's plain build with another compiler must not fail on a new
# warning.
option(CARNET_WERROR "Treat warnings in Carnet's own code as errors" OFF)
add_library(carnet_warnings INTERFACE)
target_compile_options(carnet_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor
  -Wold-style-cast -Wimplicit-fallthrough $<$<BOOL:${CARNET_WERROR}>:-Werror>)
# Under clang (the sanitizer and fuzzing tree, tools/dev sanitized_build), the lock
# discipline is checked too: members say which mutex guards them (core/thread_annotations.hpp)
# and a use without it is an error. The one clang warning left off: the embedded grid files
# and message catalogues are string literals longer than the 64 KiB the standard asks
# compilers to support; clang and g++ both take them.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(carnet_warnings INTERFACE -Wthread-safety -Wno-overlength-strings)
endif()
