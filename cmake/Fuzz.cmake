# CARNET_FUZZ=ON builds the libFuzzer harnesses of tests/fuzz/. It needs clang (libFuzzer
# ships with it): configure with CMAKE_CXX_COMPILER=clang++-19 (tools/dev fuzz does).
# Every library is instrumented with fuzzer-no-link + ASan + UBSan; each harness links the
# libFuzzer runtime (-fsanitize=fuzzer,...) through carnet_fuzz_harness().
option(CARNET_FUZZ "Build the libFuzzer harnesses (clang only)" OFF)

if(CARNET_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CARNET_FUZZ needs clang (e.g. -DCMAKE_CXX_COMPILER=clang++-19)")
  endif()
  if(CARNET_SANITIZE)
    message(FATAL_ERROR "CARNET_FUZZ already enables ASan + UBSan; leave CARNET_SANITIZE off")
  endif()
  set(CARNET_FUZZ_SANITIZERS address,undefined)
  add_compile_options(-fsanitize=fuzzer-no-link,${CARNET_FUZZ_SANITIZERS} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CARNET_FUZZ_SANITIZERS})
  # Boost 1.74's Asio looks for clang's old <experimental/coroutine> only; clang 19 has the
  # standard coroutines that it uses with g++.
  add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1)
endif()
