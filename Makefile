# netnotes: executable notes on Linux local networking.
#
#   make notes   run every note and print what this kernel did with each claim
#   make test    vet, then the tests (the privileged ones too when run as root)
#   make bench   the performance notes, in full (takes minutes)
#   make matrix  the notes on Debian's 5.10, 6.1 and 6.12 under qemu and on this kernel, side by side
#   make lint    gofmt, go vet and staticcheck

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
IS_ROOT     := $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: notes test bench lint matrix

# REPORT=file also writes the report as Markdown; NOTESFLAGS passes flags
# to the tool (go run ./internal/cmd/notes -h lists them, e.g. -short).
notes:
	@$(GO) run ./internal/cmd/notes $(if $(REPORT),-md $(REPORT)) $(NOTESFLAGS)

test:
	$(GO) vet ./...
	$(GO) vet -tags sudo ./...
ifeq ($(IS_ROOT),yes)
	$(GO) test -tags sudo -count=1 ./...
else
	$(GO) test -count=1 ./...
	@echo "Privileged notes not run (not root). Run them with: go test -tags sudo -exec sudo ./...   or: sudo make test"
endif

# As root. KERNELS="5.10 6.1 6.12 host" by default: Debian kernel lines,
# linux-image-* package names, or host (this kernel, natively). Packages
# are cached in ~/.cache/netnotes. MATRIXFLAGS passes flags to the tool
# (go run ./internal/cmd/matrix -h lists them: -evidence, -run, -record, -check).
matrix:
	@$(GO) run ./internal/cmd/matrix $(if $(KERNELS),-kernels "$(KERNELS)") $(MATRIXFLAGS)

bench:
	@echo "make bench: full sweep, raw path, both shapes and placements, 7 sizes, 5 interleaved repeats (about 5 minutes)."
	@echo "  against a minimal C program instead: make bench BENCH_FLAGS=-fidelity;  Go's view too: BENCH_FLAGS=-netconn"
	$(GO) run ./internal/cmd/bench -reps 5 -time 500ms $(BENCH_FLAGS)

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags sudo ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags sudo ./...
