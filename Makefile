# Two entry points (see README):
#   make demo   build everything and flash a virtual ESP32 from a folder of binaries
#   make mcu-demo  the same flow as Cortex-M4 firmware under QEMU (mps2-an386) against
#               esploader-sim processes: ESP32, ESP32-S2, ESP8266 (scripts/mcu-demo.sh)
#   make check  build with ASan/UBSan and run the whole test suite
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all demo mcu-demo check deps clean
all: $(BUILD)/.built

deps:
	@scripts/deps.sh build

$(BUILD)/.built: deps FORCE
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)
	@touch $@

demo: $(BUILD)/.built
	scripts/demo.sh $(BUILD)

mcu-demo:
	scripts/mcu-demo.sh --out $(BUILD)/mcu

check:
	scripts/check.sh

clean:
	rm -rf build build-*

FORCE:
