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
	  GRAFT_ONNX_PYTHON="$$(Scripts/make-onnx-venv.sh)" && export GRAFT_ONNX_PYTHON && \
	  echo "GRAFT_PYTHON=$${GRAFT_PYTHON:-<none>} GRAFT_KERAS_PYTHON=$${GRAFT_KERAS_PYTHON:-<none>}" \
	       "GRAFT_TFKERAS_PYTHON=$${GRAFT_TFKERAS_PYTHON:-<none>} GRAFT_ONNX_PYTHON=$${GRAFT_ONNX_PYTHON:-<none>} GRAFT_SHARED=$(GRAFT_SHARED)" && \
	  $(SWIFT) build --build-tests $(BUILD_FLAGS) && \
	  $(SWIFT) test --skip-build --disable-xctest $(BUILD_FLAGS)

demo: release
	@Scripts/demo.sh "$$($(SWIFT) build -c release --show-bin-path)/graft"

samples: build
	@Scripts/make-samples.sh "$$($(SWIFT) build --show-bin-path)/graft"

clean:
	rm -rf .build .build-venv .build-keras-venv .build-tfkeras-venv .build-onnx-venv

# Every keras.applications architecture, built with random weights by Scripts/keras-sweep.py
# (Keras 3, then tf.keras 2 when its venv can be made) into $(SWEEP_DIR)/{keras3,tfkeras}, then
# imported in every layout and compared with Keras by KerasApplicationsSweepTests, one process per
# architecture (a crash in one cannot hide the rest); each architecture is also exported back to
# both Keras formats and reloaded by Keras 3 and tf.keras, and to ONNX for ONNX Runtime
# (KerasApplicationsONNXSweepTests). Prints each results.md and onnx-results.md; fails if any case
# fails. SWEEP_FLAGS goes to the script: e.g. --skip-large, --only ResNet50,VGG16, --resume.
SWEEP_DIR ?= .build-sweep
SWEEP_FLAGS ?=
.PHONY: sweep
sweep: deps
	@status=0; \
	sweep_one() { \
	  flavour=$$1; python=$$2; shift 2; dir="$(abspath $(SWEEP_DIR))/$$flavour"; \
	  if [ -z "$$python" ]; then echo "sweep: no venv for $$flavour, skipped"; return; fi; \
	  echo "== $$flavour: generating into $$dir"; \
	  start=$$(date +%s); \
	  "$$python" Scripts/keras-sweep.py "$$dir" $(SWEEP_FLAGS) "$$@" || { status=1; return; }; \
	  echo "== $$flavour: generated in $$(( $$(date +%s) - start ))s; testing"; \
	  rm -rf "$$dir/results" "$$dir/results.md" "$$dir/logs"; mkdir -p "$$dir/logs"; \
	  start=$$(date +%s); \
	  for name in $$("$$python" -c 'import json, sys; print(" ".join(m["name"] for m in json.load(open(sys.argv[1]))))' "$$dir/manifest.json"); do \
	    if GRAFT_KERAS_SWEEP="$$dir" GRAFT_KERAS_SWEEP_ONLY="$$name" \
	         $(SWIFT) test --skip-build --disable-xctest $(BUILD_FLAGS) --filter 'KerasApplicationsSweepTests|KerasApplicationsONNXSweepTests' \
	         > "$$dir/logs/$$name.log" 2>&1; then echo "   $$name: pass"; \
	    else status=1; echo "   $$name: FAIL (log: $$dir/logs/$$name.log)"; fi; \
	  done; \
	  echo "== $$flavour: tested in $$(( $$(date +%s) - start ))s"; \
	  cat "$$dir/results.md"; \
	  [ -f "$$dir/onnx-results.md" ] && cat "$$dir/onnx-results.md"; \
	}; \
	$(SWIFT) build --build-tests $(BUILD_FLAGS) || exit 1; \
	GRAFT_KERAS_PYTHON="$$(Scripts/make-keras-venv.sh)"; export GRAFT_KERAS_PYTHON; \
	GRAFT_TFKERAS_PYTHON="$$(Scripts/make-tfkeras-venv.sh)"; export GRAFT_TFKERAS_PYTHON; \
	GRAFT_ONNX_PYTHON="$$(Scripts/make-onnx-venv.sh)"; export GRAFT_ONNX_PYTHON; \
	sweep_one keras3 "$$GRAFT_KERAS_PYTHON"; \
	sweep_one tfkeras "$$GRAFT_TFKERAS_PYTHON" --tf-keras; \
	exit $$status
