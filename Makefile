# Graft: `make demo` runs the main job, `make test` runs the tests. Both install missing system
# packages first (apt-get; sudo when not root).
SWIFT ?= swift
BUILD_FLAGS ?=
GRAFT_SHARED ?= $(abspath ../shared)
export GRAFT_SHARED

.PHONY: all deps build release test demo samples clean

all: build

deps:
	@Scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

# Swift Testing suites (XCTest is not used). The Python venvs enable the cross-checks
# (safetensors and JSON Schema, OpenCV's Caffe reader, Keras 3 and tf.keras loading our exports);
# without them those tests are skipped with a message, except under CI (CI=true), where a missing
# venv fails the run.
test: deps
	@GRAFT_PYTHON="$$(Scripts/make-venv.sh)" && export GRAFT_PYTHON && \
	  GRAFT_KERAS_PYTHON="$$(Scripts/make-keras-venv.sh)" && export GRAFT_KERAS_PYTHON && \
	  GRAFT_TFKERAS_PYTHON="$$(Scripts/make-tfkeras-venv.sh)" && export GRAFT_TFKERAS_PYTHON && \
	  echo "GRAFT_PYTHON=$${GRAFT_PYTHON:-<none>} GRAFT_KERAS_PYTHON=$${GRAFT_KERAS_PYTHON:-<none>}" \
	       "GRAFT_TFKERAS_PYTHON=$${GRAFT_TFKERAS_PYTHON:-<none>} GRAFT_SHARED=$(GRAFT_SHARED)" && \
	  $(SWIFT) build --build-tests $(BUILD_FLAGS) && \
	  $(SWIFT) test --skip-build --disable-xctest $(BUILD_FLAGS)

demo: release
	@Scripts/demo.sh "$$($(SWIFT) build -c release --show-bin-path)/graft"

samples: build
	@Scripts/make-samples.sh "$$($(SWIFT) build --show-bin-path)/graft"

clean:
	rm -rf .build .build-venv .build-keras-venv .build-tfkeras-venv
