# netnotes: executable notes on Linux local networking.
#
#   make notes   run every note and print what this kernel did with each claim
#                (HTML=notes.html: also as a page; REPORT=report.md: as Markdown)
#   make test    vet, then the tests, the privileged ones included (as an
#                ordinary user they run in a user namespace of their own)
#   make bench   the performance notes, in full (takes minutes); writes uds/bench.json and uds/bench.svg
#   make chart   draw uds/bench.svg again from uds/bench.json (no measuring)
#   make matrix  the notes on Debian's 5.10, 6.1 and 6.12 under qemu and on this kernel, side by side
#                (ARCH=arm64: on Debian's arm64 6.1 and 6.12)
#   make image   an OCI image of the notes (podman or docker), to run where there is no Go: in
#                containers, on every node of a cluster (README.md, "The notes as an image")
#   make lint    gofmt, go vet and staticcheck

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

BENCH_OUT   ?= uds/bench

.PHONY: notes test bench chart lint matrix image

# REPORT=file also writes the report as Markdown, HTML=file as one page in
# the post's order (for a browser); NOTESFLAGS passes flags
# to the tool (go run ./internal/cmd/notes -h lists them, e.g. -short).
# go run builds the tool silently first: say so (CONTRIBUTING.md, "Running the notes in detail").
notes:
	@echo "notes: building the report tool (about a minute on a cold Go build cache, a second warm)" >&2
	@$(GO) run ./internal/cmd/notes $(if $(REPORT),-md $(REPORT)) $(if $(HTML),-html $(HTML)) $(NOTESFLAGS)

# Not root, the sudo-tagged test binaries re-execute themselves into a user
# namespace (internal/sandbox); what needs real root skips and says so.
test:
	$(GO) vet ./...
	$(GO) vet -tags sudo ./...
	$(GO) test -tags sudo -count=1 ./...

# As root. KERNELS="5.10 6.1 6.12 host" by default: Debian kernel lines,
# linux-image-* package names, or host (this kernel, natively); arm64:6.1
# is Debian's arm64 6.1 under qemu-system-aarch64. ARCH=arm64 makes arm64
# the default (KERNELS="6.1 6.12"). Packages are cached in
# ~/.cache/netnotes. MATRIXFLAGS passes flags to the tool (go run
# ./internal/cmd/matrix -h lists them: -evidence, -run, -record, -check).
# SCENARIOS="ipv6-off calico-host busybox-userland no-tracefs" also runs
# these host scenarios on each Debian kernel (built in as well: cubic, bbr),
# each in a column beside the kernel's plain run; a verdict that differs
# from the plain run's is marked and shown with both runs' evidence.
# SCENARIO='NAME:KEY=VALUE,...' defines one (several: space-separated),
# with keys append=ARG (kernel command line), modules=M+M, sysctl=K=V,
# tracefs=off, userland=busybox, drills=REGEXP, like=NAME; e.g.
#   make matrix KERNELS=6.12 SCENARIO='v6calico:like=calico-host,append=ipv6.disable=1'
matrix:
	@$(GO) run ./internal/cmd/matrix $(if $(ARCH),-arch $(ARCH)) $(if $(KERNELS),-kernels "$(KERNELS)") $(if $(SCENARIOS),-scenarios "$(SCENARIOS)") $(if $(SCENARIO),-scenario '$(SCENARIO)') $(MATRIXFLAGS)

# BENCH_OUT=prefix: where the sweep's data and chart go (uds/bench.json,
# uds/bench.svg, shown in the README); BENCH_OUT= writes neither.
bench:
	@echo "make bench: full sweep, raw path, uds/tcp/pipe, both shapes and placements, 7 sizes, 5 pairs of 0.4 s a side (timed side by side);"
	@echo "  L4, L5 (root), round-trip latency and connections (about 5.5 minutes, progress below)."
	@echo "  against a minimal C program instead: make bench BENCH_FLAGS=-fidelity;  Go's view too: BENCH_FLAGS=-netconn"
	$(GO) run ./internal/cmd/bench -reps 5 -time 400ms $(if $(BENCH_OUT),$(if $(filter -fidelity,$(BENCH_FLAGS)),,-out $(BENCH_OUT))) $(BENCH_FLAGS)

chart:
	$(GO) run ./internal/cmd/bench -redraw $(BENCH_OUT).json

# As root. The chapters' test binaries, the report tool and the programs
# the notes run (from Debian's packages, through the matrix's private apt
# configuration, cached in ~/.cache/netnotes), imported as one layer:
# nothing is pulled. ENGINE=docker (default: podman if installed, else
# docker), IMAGE=name (default netnotes), ARCH=arm64 for arm64 machines;
# IMAGEFLAGS passes flags (go run ./internal/cmd/image -h), e.g. -o FILE
# writes the root file system as a tar instead of importing it.
image:
	@$(GO) run ./internal/cmd/image $(if $(ENGINE),-engine $(ENGINE)) $(if $(IMAGE),-tag $(IMAGE)) $(if $(ARCH),-arch $(ARCH)) $(IMAGEFLAGS)

# The image tag holds CI's runs of the image in containers (.ci/run).
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags sudo ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags sudo ./...
	$(GO) vet -tags image ./internal/cmd/image
	$(GO) run $(STATICCHECK) -tags image ./internal/cmd/image
