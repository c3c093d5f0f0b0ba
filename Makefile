# Build and test harness for the mcpops.mcp collection.
#
#   make test    everything CI runs (exits non-zero on any failure; prints per-stage times)
#   make demo    the demo playbook against this machine
#   make help    list targets
#
# Offline by design: only PyPI and npm are needed (see ../shared/FIELD-NOTES.md,
# "Running ansible-test offline").  VENV selects the toolchain for units/integration,
# e.g. `make units VENV=.venv-2.16`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

REPO := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
PYTHON ?= python3
VENV ?= .venv
VENV_DIR := $(REPO)/$(VENV)
VENV_BIN := $(VENV_DIR)/bin
VENV_PY := $(VENV_BIN)/python
NODE_BIN := $(REPO)/node_modules/.bin

BUILD := $(REPO)/build
COLLECTIONS := $(BUILD)/collections
COLL := $(COLLECTIONS)/ansible_collections/mcpops/mcp
DIST := $(BUILD)/dist

# Real interpreter for python$(1): pyenv's install dirs first (its shims fail for versions
# that are not in `pyenv global`), then PATH; empty when none runs.
find_python = $(shell for p in $$(ls -d $$HOME/.pyenv/versions/$(1).*/bin/python$(1) 2>/dev/null | sort -rV) $$(command -v python$(1) 2>/dev/null); do \
  if [ -x "$$p" ] && "$$p" -c 'import sys' >/dev/null 2>&1; then echo "$$p"; break; fi; done)

# Sanity runs in full on the main venv's Python; compile+import also on these where they exist.
SANITY_EXTRA_PYTHONS ?= 3.9 3.10 3.11 3.12 3.13
MATRIX_VENVS ?= .venv-2.16 .venv-latest

# Environment for anything that runs ansible-*: our venv and npm servers first, only the build tree as collections.
TOOL_ENV = PATH="$(VENV_BIN):$(NODE_BIN):$$PATH" \
	ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS)" \
	MCPOPS_COLLECTIONS_PATH="$(COLLECTIONS)" \
	ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
	MCPOPS_REPO="$(REPO)" \
	PYTHONDONTWRITEBYTECODE=1

# Stages of `make test`: setup in order (a failure stops the run), then the rest in parallel lanes, longest first.
comma := ,
TEST_SETUP := venv matrix-venvs fleet-deps report-deps cron-deps awx-collection build-tree get-pip wheels
TEST_PARALLEL := matrix-2.16 matrix-latest integration fleet molecule sanity units lint changelog-lint galaxy-build ee-context

.PHONY: help venv matrix-venvs build-tree get-pip build-tree-fresh sanity units integration lint galaxy-build matrix matrix-2.16 matrix-latest \
	changelog-lint molecule test demo clean distclean fleet fleet-deps

help:
	@echo 'make test            venv, build-tree, sanity, units, integration, lint, changelog-lint, galaxy-build, molecule, matrix'
	@echo 'make demo            run playbooks/demo.yml against playbooks/demo/inventory.yml'
	@echo 'make venv            $(VENV) from requirements-test.txt (+ npm test servers in node_modules)'
	@echo 'make build-tree      lay out build/collections/ansible_collections/mcpops/mcp from git ls-files'
	@echo 'make sanity          ansible-test sanity (full on the venv Python; compile+import on 3.9-3.13 where found)'
	@echo 'make units           pytest tests/unit in the build tree          (VENV=.venv-2.16 etc. to switch)'
	@echo 'make integration     pytest tests/integration (real ansible-playbook runs)'
	@echo 'make lint            ansible-lint --profile production'
	@echo 'make changelog-lint  antsibull-changelog lint'
	@echo 'make galaxy-build    ansible-galaxy collection build into build/dist'
	@echo 'make ee-context      ansible-builder create: the AWX execution environment context in build/ee (no image)'
	@echo 'make awx-collection  awx.awx (playbooks/awx_setup.yml) and ansible.windows (Windows hosts) out of the ansible package wheel into build/awx-collections'
	@echo 'make molecule        molecule test for every scenario found'
	@echo 'make fleet           pytest tests/fleet over SSH against $(FLEET_HOSTS) namespace hosts (tests/fleet/fleet.sh; root only)'
	@echo 'make fleet-deps      apt-get install openssh-server and sudo when missing (the fleet hosts'"'"' sshd, the become test)'
	@echo 'make report-deps     apt-get install chromium when missing (the fleet report browser test; root only)'
	@echo 'make cron-deps       apt-get install cron when missing (the backup role'"'"'s cron schedule test; root only)'
	@echo 'make matrix          units + integration with ansible-core 2.16 (py3.11) and newest (py3.12): matrix-2.16, matrix-latest'
	@echo '                     (`make test TEST_JOBS=1` runs the stages one after another)'
	@echo 'make clean           remove build/ and test caches; make distclean also removes venvs and node_modules'

# ---------------------------------------------------------------------------------------------- venvs

venv: $(VENV_DIR)/.stamp $(REPO)/node_modules/.stamp

matrix-venvs: $(REPO)/.venv-2.16/.stamp $(if $(call find_python,3.12),$(REPO)/.venv-latest/.stamp)

# Main toolchain.  Re-running pip on an existing venv is cheap and picks up requirement changes.
$(REPO)/.venv/.stamp: $(REPO)/requirements-test.txt
	@echo '==> venv $(VENV) ($(PYTHON))'
	[ -x "$(REPO)/.venv/bin/python" ] || "$(PYTHON)" -m venv "$(REPO)/.venv"
	"$(REPO)/.venv/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip
	"$(REPO)/.venv/bin/python" -m pip install --disable-pip-version-check -q -r "$(REPO)/requirements-test.txt"
	touch "$@"

# Matrix toolchains: only what units and integration need (pytest-ansible supports 2.16.19+, not 2.17).
$(REPO)/.venv-2.16/.stamp: PY = $(or $(call find_python,3.11),$(PYTHON))
$(REPO)/.venv-2.16/.stamp: CORE = ansible-core>=2.16,<2.17
$(REPO)/.venv-latest/.stamp: PY = $(call find_python,3.12)
$(REPO)/.venv-latest/.stamp: CORE = ansible-core
$(REPO)/.venv-%/.stamp: $(REPO)/tests/requirements-matrix.txt
	@[ -n "$(PY)" ] || { echo 'FAIL: no Python interpreter for $(@D)'; exit 1; }
	@echo '==> venv $(@D) ($(PY), $(CORE))'
	[ -x "$(@D)/bin/python" ] || "$(PY)" -m venv "$(@D)"
	"$(@D)/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip
	"$(@D)/bin/python" -m pip install --disable-pip-version-check -q --upgrade "$(CORE)" -r "$(REPO)/tests/requirements-matrix.txt"
	"$(@D)/bin/python" -c 'from ansible.release import __version__; print("    ansible-core", __version__)'
	touch "$@"

# The tomlkit wheel (the version requirements-test.txt asks for) that the deploy role's mcp_install_requirements test
# installs offline into a throwaway interpreter (tests/integration/test_roles_deploy_requirements.py).
.PHONY: wheels
wheels: $(BUILD)/wheels/.stamp
$(BUILD)/wheels/.stamp: $(REPO)/requirements-test.txt $(VENV_DIR)/.stamp
	mkdir -p "$(@D)"
	"$(VENV_PY)" -m pip download --disable-pip-version-check -q --no-deps -d "$(@D)" "$$(grep -E '^tomlkit' "$(REPO)/requirements-test.txt")"
	touch "$@"

# npm test servers; `npm ci` keeps node_modules exactly as package-lock.json says.
$(REPO)/node_modules/.stamp: $(REPO)/package.json $(wildcard $(REPO)/package-lock.json)
	@echo '==> npm test servers'
	cd "$(REPO)" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
	touch "$@"

# ----------------------------------------------------------------------------------------- build tree

# The collection as ansible-test wants it: ansible_collections/mcpops/mcp, a git checkout of exactly the
# files git knows about (tracked + untracked-but-not-ignored, so work in progress is tested too).
# BUILD_TREE_READY=1 (set by `make test` for its parallel stages) keeps a tree other stages are using.
build-tree:
	@if [ -z "$(BUILD_TREE_READY)" ] || [ ! -d "$(COLL)/.git" ]; then $(MAKE) -f "$(REPO)/Makefile" build-tree-fresh; fi

build-tree-fresh:
	@echo '==> build tree $(COLL)'
	@rm -rf "$(COLL)"
	@mkdir -p "$(COLL)"
	@cd "$(REPO)" && git ls-files -z --cached --others --exclude-standard \
	  | grep -zvE '^(\.venv[^/]*|node_modules|build|collections|\.ansible|tests/output)(/|$$)' \
	  | sort -zu \
	  | while IFS= read -r -d '' f; do if [ -e "$$f" ] || [ -L "$$f" ]; then printf '%s\0' "$$f"; fi; done \
	  | tar -c --null --no-recursion -T - -f - | tar -x -f - -C "$(COLL)"
	@cd "$(COLL)" && git init -q && git add -A \
	  && git -c user.name='mcpops build' -c user.email='build@mcpops.invalid' -c commit.gpgsign=false -c core.hooksPath=/dev/null \
	       commit -q --no-verify -m 'build tree' \
	  && echo "    $$(git ls-files | wc -l) files"

# ---------------------------------------------------------------------------------------------- sanity

get-pip: venv
	"$(VENV_PY)" "$(REPO)/tests/tools/install_get_pip.py"

sanity: venv build-tree get-pip
	@main=$$("$(VENV_PY)" -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	echo "==> ansible-test sanity --python $$main (all tests)"; \
	cd "$(COLL)"; \
	extra_path=""; skipped=""; versions=""; \
	for v in $(SANITY_EXTRA_PYTHONS); do \
	  [ "$$v" = "$$main" ] && continue; \
	  p=$$(for c in $$(ls -d $$HOME/.pyenv/versions/$$v.*/bin/python$$v 2>/dev/null | sort -rV) $$(command -v python$$v 2>/dev/null); do \
	         if [ -x "$$c" ] && "$$c" -c 'import sys' >/dev/null 2>&1; then echo "$$c"; break; fi; done); \
	  if [ -z "$$p" ]; then echo "SKIP: no python$$v for sanity compile/import"; skipped="$$skipped $$v"; continue; fi; \
	  extra_path="$$extra_path:$$(dirname "$$p")"; versions="$$versions $$v"; \
	done; \
	export PATH="$(VENV_BIN)$$extra_path:$$PATH"; \
	failed=""; times=""; t0=$$(date +%s); \
	ansible-test sanity --requirements --python "$$main" --color no || failed="$$failed full-$$main"; \
	times="full-$$main=$$(( $$(date +%s) - t0 ))s"; \
	for v in $$versions; do \
	  echo "==> ansible-test sanity --python $$v --test compile --test import"; t0=$$(date +%s); \
	  ansible-test sanity --requirements --python "$$v" --test compile --test import --color no || failed="$$failed compile/import-$$v"; \
	  times="$$times $$v=$$(( $$(date +%s) - t0 ))s"; \
	done; \
	echo "sanity: full on $$main; compile+import on:$${versions:- none}$${skipped:+ (skipped:$$skipped)}; times: $$times"; \
	if [ -n "$$failed" ]; then echo "sanity: FAILED:$$failed"; exit 1; fi

# ------------------------------------------------------------------------------------------- pytest

# pytest exit 5 ("no tests collected") is only tolerated while a directory has no test files at all.
define run_pytest
	@cd "$(COLL)" && rc=0 && $(TOOL_ENV) PYTHONPATH="$(COLLECTIONS)" "$(VENV_PY)" -m pytest -p no:cacheprovider $(PYTEST_ARGS) "$(1)" || rc=$$?; \
	if [ $$rc -eq 5 ] && [ -z "$$(find "$(1)" \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit 2>/dev/null)" ]; then \
	  echo "SKIP: no tests in $(1) yet"; rc=0; fi; \
	exit $$rc
endef

units: venv build-tree
	@echo "==> units with ansible-core $$("$(VENV_PY)" -c 'from ansible.release import __version__; print(__version__)') on $$("$(VENV_PY)" -V)"
	$(call run_pytest,tests/unit)

integration: venv build-tree
	@echo "==> integration with ansible-core $$("$(VENV_PY)" -c 'from ansible.release import __version__; print(__version__)') on $$("$(VENV_PY)" -V)"
	$(call run_pytest,tests/integration)

# ------------------------------------------------------------------------------------------ matrix

# units + integration against ansible-core 2.16 (AAP 2.5) and the newest release, so requires_ansible is true
# (the main venv is 2.19, the next AAP's).  One target per toolchain so `make test` can run them side by side.
matrix: matrix-2.16 matrix-latest

# The playbook flows built on the deploy role (pytest marker `flow`: sources, rotation, recovery, support bundle,
# requirements) run with the main ansible-core only; the deploy, verify and rollback roles and every module run on
# each core. This keeps `make test` within its time budget on a 2-core machine.
MATRIX_PYTEST_ARGS ?= -m 'not flow'

matrix-2.16:
	@failed=""; for t in units integration; do $(MAKE) -f "$(REPO)/Makefile" VENV=.venv-2.16 "$$t" PYTEST_ARGS="$(MATRIX_PYTEST_ARGS)" || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "matrix-2.16: FAILED:$$failed"; exit 1; fi

matrix-latest:
	@if [ -z "$(call find_python,3.12)" ]; then echo "SKIP: no python3.12 for .venv-latest (newest ansible-core needs Python >= 3.12)"; exit 0; fi; \
	failed=""; for t in units integration; do $(MAKE) -f "$(REPO)/Makefile" VENV=.venv-latest "$$t" PYTEST_ARGS="$(MATRIX_PYTEST_ARGS)" || failed="$$failed $$t"; done; \
	if [ -n "$$failed" ]; then echo "matrix-latest: FAILED:$$failed"; exit 1; fi

# ------------------------------------------------------------------------------------ lint & packaging

# Lints the repo itself (real paths in messages); mcpops.mcp.* resolves through the build tree.
lint: venv build-tree awx-collection
	@echo '==> ansible-lint --profile production'
	cd "$(REPO)" && PATH="$(VENV_BIN):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS):$(AWX_COLLECTIONS)" "$(VENV_BIN)/ansible-lint" --profile production --offline --nocolor

changelog-lint: venv
	@echo '==> antsibull-changelog lint'
	cd "$(REPO)" && "$(VENV_BIN)/antsibull-changelog" lint

galaxy-build: venv build-tree
	@echo '==> ansible-galaxy collection build'
	mkdir -p "$(DIST)"
	cd "$(COLL)" && $(TOOL_ENV) "$(VENV_BIN)/ansible-galaxy" collection build --force --output-path "$(DIST)"
	@tarball=$$(ls -t "$(DIST)"/mcpops-mcp-*.tar.gz | sed -n 1p); \
	leaked=$$(tar -tzf "$$tarball" | grep -E '(^|/)(\.venv[^/]*|node_modules|build|tests/output|\.git)(/|$$)|(^|/)package(-lock)?\.json$$' || true); \
	if [ -n "$$leaked" ]; then echo "FAIL: $$tarball contains files build_ignore should drop:"; echo "$$leaked" | head -20; exit 1; fi; \
	echo "    $$tarball ($$(tar -tzf "$$tarball" | wc -l) entries)"

# molecule scenarios beside roles (roles/<role>/molecule/<scenario>) or in extensions/molecule/<scenario>.
# Each scenario gets a fresh ephemeral directory in this checkout's build/: Molecule's default
# (~/.ansible/tmp/molecule.<hash of the role dir's name>.<scenario>) is shared by every clone on the machine.
molecule: venv build-tree
	@found=0; failed=""; \
	for m in $$(cd "$(REPO)" && ls -d roles/*/molecule/*/molecule.yml extensions/molecule/*/molecule.yml 2>/dev/null); do \
	  found=1; scenario=$$(basename "$$(dirname "$$m")"); base=$$(dirname "$$(dirname "$$(dirname "$$m")")"); \
	  if [ "$$scenario" = fleet ] && [ "$$(id -u)" != 0 ]; then echo "SKIP: molecule -s fleet in $$base needs root (tests/fleet/fleet.sh)"; continue; fi; \
	  echo "==> molecule test -s $$scenario in $$base"; \
	  eph="$(BUILD)/molecule/$$(basename "$$base")-$$scenario"; rm -rf "$$eph"; \
	  (cd "$(REPO)/$$base" && $(TOOL_ENV) NO_COLOR=1 ANSIBLE_NOCOLOR=1 MOLECULE_EPHEMERAL_DIRECTORY="$$eph" \
	    "$(VENV_BIN)/molecule" test -s "$$scenario") || failed="$$failed $$base:$$scenario"; \
	done; \
	[ $$found = 1 ] || echo 'SKIP: no molecule scenarios yet'; \
	if [ -n "$$failed" ]; then echo "molecule: FAILED:$$failed"; exit 1; fi

# ---------------------------------------------------------------------------------------------- fleet

# A real SSH test fleet on this machine (tests/fleet/README.md): one network + mount namespace and sshd per host.
# Needs root (namespaces, bind mounts); without it the suite skips visibly. The fleet is always taken down again.
FLEET_HOSTS ?= 6
FLEET_DIR := $(BUILD)/fleet

# Debian openssh-server (the hosts' sshd) and sudo (the become test), installed only when missing.
fleet-deps:
	@if [ "$$(id -u)" != 0 ]; then echo 'SKIP: fleet-deps needs root (apt-get); the fleet tests will skip'; exit 0; fi; \
	missing=""; [ -x /usr/sbin/sshd ] || missing="$$missing openssh-server"; [ -x /usr/bin/sudo ] || missing="$$missing sudo"; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then echo "SKIP: no apt-get to install$$missing; the fleet tests will skip"; exit 0; fi; \
	  echo "==> apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

fleet: venv build-tree fleet-deps
	@echo "==> fleet tests over SSH ($(FLEET_HOSTS) hosts) with ansible-core $$("$(VENV_PY)" -c 'from ansible.release import __version__; print(__version__)')"
	@fleet="$(COLL)/tests/fleet/fleet.sh"; export FLEET_DIR="$(FLEET_DIR)"; \
	if [ "$$(id -u)" = 0 ]; then \
	  trap '"$$fleet" down >/dev/null || echo "fleet: down failed"' EXIT; \
	  t0=$$(date +%s%N); "$$fleet" up $(FLEET_HOSTS) >/dev/null || echo 'fleet: up failed (the tests will say why)'; \
	  echo "    fleet up in $$(( ($$(date +%s%N) - t0) / 1000000 )) ms"; \
	fi; \
	export MCPOPS_FLEET_HOSTS=$(FLEET_HOSTS); \
	cd "$(COLL)" && $(TOOL_ENV) PYTHONPATH="$(COLLECTIONS)" "$(VENV_PY)" -m pytest -p no:cacheprovider -rsx $(PYTEST_ARGS) tests/fleet

# ----------------------------------------------------------------------------------------- cron-deps

# Debian cron (crontab), for the backup role's host-side cron schedule test (tests/integration/test_roles_backup.py
# skips that part visibly without it; the script itself is run either way).
.PHONY: cron-deps
cron-deps:
	@if command -v crontab >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then echo "SKIP: cron-deps needs root and apt-get to install cron; the cron schedule test will skip"; exit 0; fi; \
	echo '==> apt-get install cron'; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cron >/dev/null

# --------------------------------------------------------------------------------------- report-deps

# Debian chromium (and a font) renders the fleet report in tests/integration/test_report.py (headless --dump-dom and
# --screenshot); installed only when missing. Without root or apt-get the report's browser test skips visibly.
.PHONY: report-deps
report-deps:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	[ -d /usr/share/fonts/truetype/dejavu ] || missing="$$missing fonts-dejavu-core"; \
	[ -n "$$missing" ] || exit 0; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then echo "SKIP: report-deps needs root and apt-get to install$$missing; the report browser test will skip"; exit 0; fi; \
	echo "==> apt-get install$$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null

# ----------------------------------------------------------------------------------------- ee-context

# The AWX execution environment's build context (execution-environment.yml, docs/awx.md): the collection tarball
# from the build tree under a fixed name, `ansible-builder create` into build/ee, then checks that the context holds
# what `ansible-builder build` needs. No container engine here, so no image is built.
# EE_SRC is fixed: execution-environment.yml names build/ee-src/mcpops-mcp.tar.gz (relative to itself).
EE_SRC := $(REPO)/build/ee-src
EE_CONTEXT := $(BUILD)/ee
.PHONY: ee-context
ee-context: venv build-tree awx-collection
	@echo '==> ansible-builder create ($(EE_CONTEXT))'
	@rm -rf "$(EE_SRC)" "$(EE_CONTEXT)" && mkdir -p "$(EE_SRC)"
	@cd "$(COLL)" && $(TOOL_ENV) "$(VENV_BIN)/ansible-galaxy" collection build --force --output-path "$(EE_SRC)" >/dev/null
	@mv "$(EE_SRC)"/mcpops-mcp-*.tar.gz "$(EE_SRC)/mcpops-mcp.tar.gz"
	@cd "$(REPO)" && $(TOOL_ENV) "$(VENV_BIN)/ansible-builder" create -f execution-environment.yml \
	  --context "$(EE_CONTEXT)" --output-filename Containerfile -v 1 >/dev/null
	@ctx="$(EE_CONTEXT)"; b="$$ctx/_build"; fail=0; \
	check() { if eval "$$2"; then echo "    ok   $$1"; else echo "    FAIL $$1"; fail=1; fi; }; \
	check 'Containerfile' '[ -s "$$ctx/Containerfile" ]'; \
	check 'collection tarball in the context (MANIFEST.json of mcpops.mcp)' \
	  'tar -xzOf "$$b/collections/mcpops-mcp.tar.gz" MANIFEST.json 2>/dev/null | grep -q "\"namespace\": \"mcpops\""'; \
	check 'galaxy requirements name the tarball' 'grep -q "collections/mcpops-mcp.tar.gz" "$$b/requirements.yml"'; \
	check 'python requirements = meta/ee-requirements.txt' 'cmp -s "$$b/requirements.txt" "$(REPO)/meta/ee-requirements.txt"'; \
	check 'system requirements = meta/bindep.txt' 'cmp -s "$$b/bindep.txt" "$(REPO)/meta/bindep.txt"'; \
	check 'Containerfile installs the collection from requirements.yml' \
	  'grep -q "ansible-galaxy collection install .*-r requirements.yml" "$$ctx/Containerfile"'; \
	check 'Containerfile installs ansible-core and ansible-runner' \
	  'grep -q "ansible-core>=2.16,<2.20" "$$ctx/Containerfile" && grep -q "ansible-runner>=2.4,<3" "$$ctx/Containerfile"'; \
	rm -rf "$(EE_SRC)/installed"; \
	mkdir -p "$(EE_SRC)/installed/ansible_collections/ansible" \
	  && cp -a "$(AWX_COLLECTIONS)/ansible_collections/ansible/windows" "$(EE_SRC)/installed/ansible_collections/ansible/"; \
	check 'the collection installs from the context as the Containerfile installs it' \
	  '(cd "$$b" && ANSIBLE_GALAXY_DISABLE_GPG_VERIFY=1 ANSIBLE_COLLECTIONS_PATH="$(EE_SRC)/installed" "$(VENV_BIN)/ansible-galaxy" collection install -r requirements.yml \
	    --collections-path "$(EE_SRC)/installed" >/dev/null) && [ -f "$(EE_SRC)/installed/ansible_collections/mcpops/mcp/playbooks/deploy.yml" ]'; \
	[ "$$fail" = 0 ] || { echo 'FAIL: the EE build context is incomplete'; exit 1; }; \
	echo "    $$ctx ready: ansible-builder build --context $$ctx -t mcpops-mcp-ee (needs podman or docker; none here)"

# -------------------------------------------------------------------------------------- awx-collection

# awx.awx for playbooks/awx_setup.yml (lint, tests) and ansible.windows, the dependency the action plugins use on
# Windows hosts (docs/windows.md): Galaxy is not reachable here, but the `ansible` community package on PyPI ships
# both; only those two collections are taken out of its wheel (docs/awx.md).
PYPI_COLLECTIONS := awx/awx ansible/windows
AWX_ANSIBLE_PACKAGE ?= ansible==12.3.0
AWX_COLLECTIONS := $(BUILD)/awx-collections
.PHONY: awx-collection
awx-collection:
	@mkdir -p "$(BUILD)"; exec 9>"$(BUILD)/.awx-collection.lock"; flock 9; \
	if [ "$$(cat "$(AWX_COLLECTIONS)/.package" 2>/dev/null)" = "$(AWX_ANSIBLE_PACKAGE) $(PYPI_COLLECTIONS)" ] \
	  && [ -f "$(AWX_COLLECTIONS)/ansible_collections/awx/awx/MANIFEST.json" ] \
	  && [ -f "$(AWX_COLLECTIONS)/ansible_collections/ansible/windows/MANIFEST.json" ]; then exit 0; fi; \
	echo '==> $(PYPI_COLLECTIONS) from $(AWX_ANSIBLE_PACKAGE) (PyPI wheel) into $(AWX_COLLECTIONS)'; \
	rm -rf "$(AWX_COLLECTIONS)" "$(BUILD)/awx-dl" && mkdir -p "$(BUILD)/awx-dl" "$(AWX_COLLECTIONS)"; \
	"$(VENV_PY)" -m pip download --disable-pip-version-check -q --no-deps --only-binary=:all: \
	  -d "$(BUILD)/awx-dl" "$(AWX_ANSIBLE_PACKAGE)"; \
	"$(VENV_PY)" -c 'import glob, sys, zipfile; w = zipfile.ZipFile(glob.glob(sys.argv[1] + "/*.whl")[0]); \
	  wanted = ["ansible_collections/%s/" % c for c in sys.argv[3:]]; \
	  names = [n for n in w.namelist() if any(n.startswith(p) for p in wanted)]; \
	  missing = [p for p in wanted if not any(n.startswith(p) for n in names)]; \
	  assert not missing, "not in %s: %s" % (w.filename, missing); w.extractall(sys.argv[2], names); print("    %d files" % len(names))' \
	  "$(BUILD)/awx-dl" "$(AWX_COLLECTIONS)" $(PYPI_COLLECTIONS); \
	rm -rf "$(BUILD)/awx-dl"; echo '$(AWX_ANSIBLE_PACKAGE) $(PYPI_COLLECTIONS)' > "$(AWX_COLLECTIONS)/.package"

# --------------------------------------------------------------------------------------------- test

# Setup runs in order (a failure there stops the run); the other stages share the build tree read-only and run
# in TEST_JOBS parallel lanes, longest first, each logged to build/test-logs/<stage>.log and printed when it ends.
TEST_JOBS ?= 3
test:
	@"$(PYTHON)" "$(REPO)/tests/tools/run_stages.py" --repo "$(REPO)" --jobs "$(TEST_JOBS)" \
	  --setup "$(subst $(eval) ,$(comma),$(TEST_SETUP))" --parallel "$(subst $(eval) ,$(comma),$(TEST_PARALLEL))" \
	  --make-arg BUILD_TREE_READY=1

# --------------------------------------------------------------------------------------------- demo

demo: venv build-tree
	cd "$(REPO)" && $(TOOL_ENV) "$(VENV_BIN)/ansible-playbook" -i playbooks/demo/inventory.yml playbooks/demo.yml

# -------------------------------------------------------------------------------------------- clean

clean:
	rm -rf "$(REPO)/build" "$(REPO)/tests/output" "$(REPO)/.pytest_cache" "$(REPO)/.hypothesis" "$(REPO)/.ansible"
	find "$(REPO)" -path "$(REPO)/.venv*" -prune -o -path "$(REPO)/node_modules" -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf "$(REPO)"/.venv "$(REPO)"/.venv-* "$(REPO)/node_modules"
