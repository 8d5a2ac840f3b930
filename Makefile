# redis-ha-gen — developer and operator entry points.
#   make test              install missing test deps, then fmt, clippy and every test
#   make deploy-redis-ha   render PROFILE (default kind) and kubectl apply it

PROFILE   ?= kind
NAMESPACE ?= kubernaut-system
CARGO     ?= cargo
BIN       := target/release/redis-ha-gen
DEBIAN_TEST_DEPS := redis-server redis-tools bubblewrap iproute2 procps

.PHONY: build test test-deps fmt-check clippy unit-tests deploy-redis-ha test-redis-ha-status \
        cleanup-redis-ha lint-redis-ha bench test-integration-redis-ha

build:
	$(CARGO) build --release

# Installs the Debian packages the tests run for real (Redis binaries for the drill and the
# integration tests, bubblewrap and iproute2 for pod namespaces) when any is missing.
test-deps:
	@missing=""; for p in $(DEBIAN_TEST_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing test dependencies:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

fmt-check:
	$(CARGO) fmt --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

unit-tests:
	$(CARGO) test

test: test-deps fmt-check clippy unit-tests

deploy-redis-ha: build
	$(BIN) --profile $(PROFILE) --namespace $(NAMESPACE) | kubectl apply -f -
	kubectl rollout status statefulset/redis -n $(NAMESPACE) --timeout=180s

# Exit 0 healthy, 1 degraded, 3 no master, 4 split brain, 2 could not run.
test-redis-ha-status: build
	$(BIN) status --target kubectl --namespace $(NAMESPACE)

cleanup-redis-ha: build
	$(BIN) --profile $(PROFILE) --namespace $(NAMESPACE) | kubectl delete --ignore-not-found -f -
	kubectl delete pvc -n $(NAMESPACE) -l app.kubernetes.io/name=redis --ignore-not-found

lint-redis-ha: build
	$(BIN) lint deploy/redis-ha/

# The drill's scenarios against the set deployed in NAMESPACE (make deploy-redis-ha), through
# kubectl. Not yet run against a live cluster: see README "drill".
test-integration-redis-ha: build
	$(BIN) drill --target kubectl --profile $(PROFILE) --namespace $(NAMESPACE)
