# The hardening Debian asks of network daemons, on by default for every program: stack
# protector and stack clash protection, fortified libc calls (they need optimisation, and are
# left to the sanitizers in their tree), position-independent executables, full RELRO and
# immediate binding. tests/CMakeLists.txt checks the programs with Debian's hardening-check.
# Not x86's control-flow protection (-fcf-protection): Debian 12's C start files are not
# marked for it, so no program linked there carries the property whatever its own code says.
option(CARNET_HARDEN "Build with stack protector, _FORTIFY_SOURCE, PIE, full RELRO and BIND_NOW" ON)
if(CARNET_HARDEN)
  include(CheckPIESupported)
  include(CheckCXXCompilerFlag)
  check_pie_supported()
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_compile_options(-fstack-protector-strong)
  check_cxx_compiler_flag(-fstack-clash-protection CARNET_HAS_STACK_CLASH_PROTECTION)
  if(CARNET_HAS_STACK_CLASH_PROTECTION)
    add_compile_options(-fstack-clash-protection)
  endif()
  if(NOT CARNET_SANITIZE AND NOT CARNET_FUZZ)
    add_compile_options($<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE> $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
  endif()
  add_link_options(-Wl,-z,relro -Wl,-z,now)
endif()
