# The core's sources, for anyone who compiles them outside this CMake target (footprint and
# nm scripts cross-compiling for arm-none-eabi / riscv). Paths are relative to src/.
set(ESPLOADER_CORE_SOURCES
    chip_info.c
    connect.c
    flash.c
    flash_buffer.c
    flash_read.c
    loader.c
    md5.c
    mem.c
    proto.c
    regs.c
    run.c
    slip.c
    spi.c
    stub_plan.c
    targets.c
)
