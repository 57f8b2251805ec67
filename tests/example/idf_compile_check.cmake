# Compiles the ESP-IDF port, the ESP-IDF example and the shared flow against the stand-in
# ESP-IDF headers (port/esp-idf/compile_check/include) with the project's warning flags.
# Compile only: nothing is linked or run, so this proves the code is well-formed C99 against
# the ESP-IDF API as declared there - not that it works on an ESP32.
#   -DCC=host compiler   -DCC32=arm-none-eabi-gcc (optional: a 32-bit newlib target, like the
#   ESP32, catches int/pointer-size assumptions the 64-bit host compile cannot)
set(flags -std=c99 -Wall -Wextra -Werror -fsyntax-only -D_POSIX_C_SOURCE=200809L)
foreach(inc IN LISTS INCLUDES)
  list(APPEND flags -I${inc})
endforeach()
set(compilers ${CC})
if(CC32)
  list(APPEND compilers ${CC32})
endif()
set(n 0)
foreach(cc IN LISTS compilers)
  foreach(src IN LISTS SOURCES)
    execute_process(COMMAND ${cc} ${flags} ${src} RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "compile check failed for ${src} with ${cc}:\n${err}")
    endif()
    math(EXPR n "${n} + 1")
    message("compiled ${src} with ${cc}")
  endforeach()
endforeach()
if(n LESS 4)
  message(FATAL_ERROR "expected at least 4 sources, got ${n}")
endif()
message("ESP-IDF compile check: ${n} compilations OK (stand-in headers; not built with ESP-IDF)")
