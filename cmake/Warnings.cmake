# carnet_warnings: the warning flags for the project's own code. Third-party headers are
# included as SYSTEM so -Werror applies to our code only.
add_library(carnet_warnings INTERFACE)
target_compile_options(carnet_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor
  -Wold-style-cast -Wimplicit-fallthrough -Werror)
