# carnet_write_if_changed(FILE TEXT): writes TEXT to FILE unless it already holds it, so that a
# regenerated source that did not change triggers no rebuild. For the -P generator scripts.
function(carnet_write_if_changed file text)
  if(EXISTS "${file}")
    file(READ "${file}" old)
    if(old STREQUAL text)
      return()
    endif()
  endif()
  file(WRITE "${file}" "${text}")
endfunction()
