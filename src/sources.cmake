# The core's sources, for anyone who compiles them outside this CMake target (footprint and
# nm scripts cross-compiling for arm-none-eabi / riscv). Paths are relative to src/.
set(ESPLOADER_CORE_SOURCES
    baud.c
    chip_info.c
    connect.c
    deflate.c
    diag.c
    erase.c
    flash_buffer.c
    flash_read.c
    md5.c
    proto.c
    regs.c
    reset_seq.c
    run.c
    session.c
    slip.c
    spi.c
    spi_cmd.c
    stub_load.c
    stub_plan.c
    targets.c
    transfer.c
    transport.c
    verify.c
)
