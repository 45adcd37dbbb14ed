# CARNET_SANITIZE=ON instruments everything (our code and the tests) with ASan + UBSan.
if(CARNET_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
