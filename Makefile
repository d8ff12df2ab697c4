# Homeport's entry points. `make run` and `make test` install what they need first.
.PHONY: run test build ui bindings lab-up lab-down bench e2e package clean

run:
	scripts/deps.sh run
	cd ui && npm run --silent build
	cargo run -p homeport-app --features custom-protocol

test:
	scripts/test.sh

# The desktop binary with the UI embedded, as the end-to-end tests run it.
build: ui
	cargo build -p homeport-app --features custom-protocol

ui:
	scripts/deps.sh run
	cd ui && npm run --silent build

# Rewrites ui/src/lib/ipc/types.ts from the Rust types.
bindings:
	UPDATE_BINDINGS=1 cargo test -p homeport-api --lib bindings

lab-up:
	tests/lab/lab.sh up

lab-down:
	tests/lab/lab.sh down

e2e: build
	scripts/e2e.sh

bench:
	scripts/bench.sh

# The Linux .deb (app and CLI, release build); prints its path last. See docs/packaging.md.
package:
	scripts/package.sh

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules .tools
